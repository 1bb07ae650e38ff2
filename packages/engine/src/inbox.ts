/**
 * The inbox: work that crosses engines sharing a store. A start, signal, cancel request or
 * update for a workflow whose shard another engine owns is written to that shard's inbox
 * (`enqueueInbox`), and the caller waits for the item's outcome (`inboxStatus`, woken by the
 * store's notices and by a poll, as notices may be lost). The owner of the shard reads the items
 * of its shards (at each notice, each poll, and when it claims a shard), carries each one out
 * through the engine's ordinary path, and consumes it with its outcome:
 * - a start records its WorkflowStarted and consumes the item in one atomic append;
 * - a signal is recorded with the item's id as its request id (unless the caller gave one), a
 *   cancel request once per run, an update once per update id: the dedupe a client's retried
 *   call gets. The item is consumed after, so an owner that dies in between leaves it pending,
 *   and the next owner finds it recorded and only consumes it: recorded once, never lost.
 * - any other operation on a run (`control` items: pause, resume, reset, fork, query) is carried
 *   out as the same call on the owner, and its result or error is the item's outcome.
 * An item whose shard this engine lost meanwhile is left for the new owner. A client engine
 * (`ownership.claimShards: false`) owns no shard: everything it is asked goes through here.
 */
import type { Clock } from '@reprise/actors';
import {
  type EventBody,
  type EventBodyOf,
  FencedError,
  type InboxItem,
  InboxItemGoneError,
  type InboxKind,
  type InboxNotice,
  type JsonObject,
  type JsonValue,
  type OwnershipStore,
  RepriseError,
  type RunId,
  ShardMovedError,
  UnknownWorkflowTypeError,
  UpdateRejectedError,
  WorkflowAlreadyStartedError,
  WorkflowClosedError,
  type WorkflowId,
  WorkflowNotFoundError,
  type WorkflowStatus,
  type WorkflowStore,
} from '@reprise/core';
import type { CancelResult } from './handle.js';
import { EngineClosedError, type Lifecycle } from './lifecycle.js';
import type { EngineLogger } from './options.js';
import type { RunTable } from './run-table.js';
import type { ShardOwnership } from './shard-ownership.js';
import type { InboxStart } from './starter.js';
import type { TimerService } from './timer-service.js';

/** What the inbox acts through. */
export interface InboxPort {
  readonly store: WorkflowStore;
  readonly clock: Clock;
  readonly timers: TimerService;
  readonly table: RunTable;
  readonly lifecycle: Lifecycle;
  readonly logger: EngineLogger;
  readonly ownership: ShardOwnership;
  /** Records a start for a workflow of an owned shard, consuming the item in the same append. */
  start(workflowId: WorkflowId, start: InboxStart, itemId: string): Promise<'recorded' | 'existing'>;
  signal(workflowId: WorkflowId, name: string, payload: JsonValue, requestId: string): Promise<void>;
  cancel(workflowId: WorkflowId, reason: string | undefined): Promise<CancelResult>;
  terminate(workflowId: WorkflowId, reason: string): Promise<CancelResult>;
  acceptUpdate(workflowId: WorkflowId, body: EventBodyOf<'UpdateAccepted'>): Promise<void>;
  /** Hands a child's outcome to its parent run here; resolves once recorded (or not needed). */
  deliverToRun(workflowId: WorkflowId, runId: RunId, body: EventBody): Promise<void>;
  /** Carries out another operation on a run of an owned shard (see `RemoteOperation`). */
  operate(workflowId: WorkflowId, operation: RemoteOperation): Promise<JsonValue>;
}

/**
 * The operations on a run that cross engines as `control` items: carried out by the owner as a
 * call on its own engine would be; the outcome is the call's result (or its error).
 */
export type RemoteOperation =
  | { readonly op: 'pause' | 'resume'; readonly reason: string | null }
  | { readonly op: 'reset'; readonly options: JsonObject }
  | { readonly op: 'fork'; readonly options: JsonObject }
  | { readonly op: 'query'; readonly name: string; readonly args: JsonValue };

/** An item's outcome, as the owner consumes it and the caller reads it. */
export type Outcome = { readonly ok: JsonValue } | { readonly error: JsonObject };

/** The fields of an error carried in an outcome, besides its code and message. */
const ERROR_FIELDS = ['workflowId', 'runId', 'status', 'workflowType', 'updateName', 'reason'] as const;

/** An error as an outcome: its code, message and the fields its class is rebuilt from. */
function errorOutcome(error: RepriseError): Outcome {
  const data: Record<string, JsonValue> = { code: error.code, name: error.name, message: error.message };
  for (const field of ERROR_FIELDS) {
    const value = (error as unknown as Record<string, unknown>)[field];
    if (typeof value === 'string') data[field] = value;
  }
  if (error instanceof ShardMovedError) data.shard = error.shard;
  return { error: data };
}

/** The caller's side of an error outcome: the same class where the caller can act on it. */
function rebuildError(data: JsonObject): Error {
  const text = (field: string): string => String(data[field] ?? '');
  switch (data.code) {
    case 'workflow_already_started':
      return new WorkflowAlreadyStartedError(text('workflowId'), text('runId'), text('status'));
    case 'workflow_not_found':
      return new WorkflowNotFoundError(text('workflowId'));
    case 'workflow_closed':
      return new WorkflowClosedError(text('workflowId'), text('status'));
    case 'update_rejected':
      return new UpdateRejectedError(text('workflowId'), text('updateName'), text('reason'));
    case 'unknown_workflow_type':
      return new UnknownWorkflowTypeError(text('workflowType'));
    case 'shard_moved':
      return new ShardMovedError(text('workflowId'), Number(data.shard));
    default: {
      const error = new Error(text('message')) as Error & { code?: string };
      error.name = text('name') || 'Error';
      error.code = text('code');
      return error;
    }
  }
}

export class Inbox {
  /** Callers waiting for an item's outcome, by item id. */
  readonly #waiters = new Map<string, Set<() => void>>();
  /** Items being carried out here: a poll meanwhile leaves them alone. */
  readonly #serving = new Set<string>();
  #unwatch: (() => void) | undefined;
  #draining = false;
  #drainAgain = false;

  constructor(private readonly port: InboxPort) {}

  get #store(): (WorkflowStore & OwnershipStore) | undefined {
    return this.port.ownership.shared ? (this.port.store as WorkflowStore & OwnershipStore) : undefined;
  }

  /** Whether a call on the workflow goes through the inbox: its shard is another engine's. */
  routes(workflowId: string): boolean {
    return this.port.ownership.shared && !this.port.ownership.owns(workflowId);
  }

  /** Starts listening to the store's notices and polling; reads the owned shards' items once. */
  open(): void {
    const store = this.#store;
    if (!store) return;
    this.#unwatch = store.watchInbox((notice) => this.#notice(notice));
    this.#armPoll();
    this.poll();
  }

  /** Stops listening and polling; callers still waiting get `EngineClosedError`. */
  close(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.port.timers.disarm('inbox/poll');
    for (const waiters of this.#waiters.values()) for (const wake of waiters) wake();
    this.#waiters.clear();
  }

  /** A start through the owner of the workflow's shard; resolves once recorded (or refused). */
  async start(workflowId: WorkflowId, start: InboxStart): Promise<void> {
    await this.#send(workflowId, 'start', start as unknown as JsonObject);
  }

  /** A signal through the owner; resolves once recorded. */
  async signal(workflowId: WorkflowId, name: string, payload: JsonValue, requestId?: string): Promise<void> {
    await this.#send(workflowId, 'signal', {
      name,
      payload,
      ...(requestId === undefined ? {} : { requestId }),
    });
  }

  /** A cancel request through the owner; the open run's status, or the closed run's. */
  async cancel(workflowId: WorkflowId, reason: string | undefined): Promise<CancelResult> {
    const status = await this.#send(workflowId, 'cancel', { reason: reason ?? null });
    return { status: status as WorkflowStatus };
  }

  /** A terminate through the owner (sent as a cancel item that says so). */
  async terminate(workflowId: WorkflowId, reason: string): Promise<CancelResult> {
    const status = await this.#send(workflowId, 'cancel', { reason, terminate: true });
    return { status: status as WorkflowStatus };
  }

  /**
   * A child's outcome for its parent run, whose shard another engine owns (sent as a signal item
   * that carries the event): resolves once the parent's owner has recorded it.
   */
  async deliver(workflowId: WorkflowId, runId: RunId, body: EventBody): Promise<void> {
    await this.#send(workflowId, 'signal', { deliver: body as unknown as JsonObject, runId });
  }

  /** An update's acceptance through the owner; resolves once UpdateAccepted is recorded. */
  async acceptUpdate(workflowId: WorkflowId, body: EventBodyOf<'UpdateAccepted'>): Promise<void> {
    await this.#send(workflowId, 'update', {
      updateId: body.updateId,
      name: body.updateName,
      args: body.args,
    });
  }

  /**
   * Another operation on a run (pause, resume, reset, fork, query) through the owner of its
   * shard; resolves with its result once carried out there.
   */
  operate(workflowId: WorkflowId, operation: RemoteOperation): Promise<JsonValue> {
    return this.#send(workflowId, 'control', operation as unknown as JsonObject);
  }

  async #send(workflowId: WorkflowId, kind: InboxKind, payload: JsonObject): Promise<JsonValue> {
    const store = this.#store as WorkflowStore & OwnershipStore;
    this.port.lifecycle.assertOpen();
    const id = await store.enqueueInbox({ workflowId, kind, payload });
    for (;;) {
      this.port.lifecycle.assertOpen();
      let wake: (() => void) | undefined;
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      const waiters = this.#waiters.get(id) ?? new Set();
      waiters.add(wake as () => void);
      this.#waiters.set(id, waiters);
      try {
        const status = await store.inboxStatus(id);
        if (status?.state === 'consumed') {
          const outcome = status.outcome as Outcome;
          if ('error' in outcome) throw rebuildError(outcome.error);
          return outcome.ok;
        }
        await woken;
      } finally {
        this.#waiters.get(id)?.delete(wake as () => void);
        if (this.#waiters.get(id)?.size === 0) this.#waiters.delete(id);
      }
    }
  }

  #notice(notice: InboxNotice): void {
    if (notice.kind === 'closed') {
      // Those waiting on the run's result here read it again now, not at the next poll.
      if (!this.port.ownership.owns(notice.workflowId)) this.port.table.changed(notice.workflowId);
    } else if (notice.kind === 'consumed') {
      const waiters = this.#waiters.get(notice.id);
      if (waiters) for (const wake of waiters) wake();
    } else if (this.port.ownership.heldShards().includes(notice.shard)) {
      this.poll();
    }
  }

  #armPoll(): void {
    const { timers, clock, ownership, table, lifecycle } = this.port;
    if (lifecycle.closing) return;
    timers.arm('inbox/poll', clock.now() + ownership.pollMs, () => {
      this.poll();
      // Callers waiting on items, and on runs owned elsewhere (results, updates), read again.
      for (const waiters of this.#waiters.values()) for (const wake of waiters) wake();
      table.wakeWhere((workflowId) => !ownership.owns(workflowId));
      this.#armPoll();
    });
  }

  /** Reads the pending items of the owned shards and carries out the new ones. */
  poll(): void {
    if (!this.#store || this.port.lifecycle.closing) return;
    if (this.#draining) {
      this.#drainAgain = true;
      return;
    }
    this.#draining = true;
    this.port.lifecycle.track(this.#drain());
  }

  async #drain(): Promise<void> {
    const store = this.#store as WorkflowStore & OwnershipStore;
    try {
      do {
        this.#drainAgain = false;
        const shards = this.port.ownership.heldShards();
        if (shards.length === 0) return;
        for (const item of await store.pendingInbox(shards)) {
          if (this.#serving.has(item.id) || this.port.lifecycle.closing) continue;
          this.#serving.add(item.id);
          this.port.lifecycle.track(this.#serve(item).finally(() => this.#serving.delete(item.id)));
        }
      } while (this.#drainAgain);
    } finally {
      this.#draining = false;
    }
  }

  /** Carries out one item and consumes it with its outcome (a start consumes it as it records). */
  async #serve(item: InboxItem): Promise<void> {
    const workflowId = item.workflowId;
    // Lost since it was read: the new owner carries it out.
    if (!this.port.ownership.owns(workflowId)) return;
    const payload = item.payload as JsonObject;
    let outcome: Outcome;
    try {
      switch (item.kind) {
        case 'start':
          // Consumed in the append that records the WorkflowStarted; an open run it may use
          // (`useExisting`) is consumed here.
          if ((await this.port.start(workflowId, payload as unknown as InboxStart, item.id)) === 'recorded')
            return;
          outcome = { ok: null };
          break;
        case 'signal': {
          if (payload.deliver !== undefined) {
            await this.port.deliverToRun(
              workflowId,
              payload.runId as RunId,
              payload.deliver as unknown as EventBody,
            );
            outcome = { ok: null };
            break;
          }
          const requestId = (payload.requestId as string | undefined) ?? item.id;
          try {
            await this.port.signal(workflowId, payload.name as string, payload.payload ?? null, requestId);
          } catch (error) {
            // Recorded by an attempt that could not consume it, and the run has closed since.
            if (
              !(error instanceof WorkflowClosedError) ||
              !(await this.#signalRecorded(workflowId, requestId))
            ) {
              throw error;
            }
          }
          outcome = { ok: null };
          break;
        }
        case 'cancel': {
          const reason = (payload.reason as string | null) ?? undefined;
          const result =
            payload.terminate === true
              ? await this.port.terminate(workflowId, reason ?? 'terminated')
              : await this.port.cancel(workflowId, reason);
          outcome = { ok: result.status };
          break;
        }
        case 'control':
          outcome = { ok: await this.port.operate(workflowId, payload as unknown as RemoteOperation) };
          break;
        case 'update':
          await this.port.acceptUpdate(workflowId, {
            type: 'UpdateAccepted',
            updateId: payload.updateId as string,
            updateName: payload.name as string,
            args: payload.args ?? null,
          });
          outcome = { ok: null };
          break;
      }
    } catch (error) {
      if (this.#leftForOthers(error, workflowId)) return;
      if (!(error instanceof RepriseError)) {
        this.port.logger.warn('inbox item not carried out; tried again at the next poll', {
          itemId: item.id,
          workflowId,
          error,
        });
        return;
      }
      outcome = errorOutcome(error);
    }
    await this.consume(item, outcome);
  }

  async #signalRecorded(workflowId: WorkflowId, requestId: string): Promise<boolean> {
    const history = await this.port.store.readHistory(workflowId);
    return history.some((event) => event.type === 'SignalReceived' && event.requestId === requestId);
  }

  /** Consumes an item with its outcome under the fence of its shard; an item gone already is fine. */
  async consume(item: Pick<InboxItem, 'id' | 'workflowId'>, outcome: Outcome): Promise<void> {
    const store = this.#store as WorkflowStore & OwnershipStore;
    try {
      const fence = this.port.ownership.fence(item.workflowId);
      await store.consumeInbox([{ id: item.id, outcome }], fence as NonNullable<typeof fence>);
    } catch (error) {
      if (error instanceof InboxItemGoneError || this.#leftForOthers(error)) return;
      throw error;
    }
  }

  /**
   * Errors after which the item stays pending: its workflow's shard moved, or the engine is
   * closing. (Another workflow's shard, as a fork's new id may be, is the caller's refusal.)
   */
  #leftForOthers(error: unknown, workflowId?: WorkflowId): boolean {
    return (
      (error instanceof ShardMovedError && (workflowId === undefined || error.workflowId === workflowId)) ||
      error instanceof FencedError ||
      error instanceof EngineClosedError ||
      this.port.lifecycle.closing
    );
  }
}
