/**
 * Updates: `handle.executeUpdate(name, args, { updateId })`, a request that the run's code
 * answers. The update goes through the open run's mailbox like a signal, but the run's code
 * decides first: its validator runs before anything is recorded (a rejection writes nothing and
 * reaches the caller as `UpdateRejectedError`); an accepted update is recorded as
 * `UpdateAccepted` with the commands its handler issues, and the handler's end as
 * `UpdateCompleted`. The caller then waits for that event, reading the history, so a caller in
 * another process (after a crash between accept and complete) awaits the same update by its id.
 * An update id is accepted once per workflow id, whichever run took it.
 */
import { randomUUID } from 'node:crypto';
import {
  checkPayload,
  type EventBody,
  type EventBodyOf,
  type EventOf,
  type EventStore,
  InvalidArgumentError,
  type JsonValue,
  type RunId,
  terminalOutcomeFromHistory,
  UpdateFailedError,
  WorkflowClosedError,
  type WorkflowEvent,
  type WorkflowId,
  WorkflowNotFoundError,
  WorkflowStalledError,
  type WorkflowStatus,
} from '@reprise/core';
import { latestStart, type Settle } from '@reprise/core/internal';
import type { Lifecycle } from './lifecycle.js';
import { type Ack, RunEndedError } from './run.js';
import type { RunEntry } from './run-entry.js';
import type { RunTable } from './run-table.js';

/** How many times an update is offered again when the run's loop ends under it (eviction, a restart). */
const ACCEPT_ATTEMPTS = 8;

/** The longest update id taken, in characters. */
const MAX_UPDATE_ID_LENGTH = 256;

/** Options of `handle.executeUpdate`. */
export interface UpdateOptions {
  /**
   * Makes the update idempotent: an update whose id the workflow has accepted before (in any
   * run) is not accepted again; the call waits for that update's outcome instead. A caller in a
   * new process awaits an update accepted before a crash this way. Made up when absent.
   */
  readonly updateId?: string;
}

/** What the updates service acts through. */
export interface RunUpdatesPort {
  readonly store: EventStore;
  readonly table: RunTable;
  readonly lifecycle: Lifecycle;
  readonly settle: Settle;
  readonly maxPayloadBytes: number | undefined;
  /** Posts input to the entry's run (its mailbox), bringing a suspended run back first. */
  post(entry: RunEntry, body: EventBody, ack: Ack): void;
  /** Updates of workflows another engine owns are accepted there (`inbox.ts`). */
  readonly remote?: {
    routes(workflowId: string): boolean;
    acceptUpdate(workflowId: WorkflowId, body: EventBodyOf<'UpdateAccepted'>): Promise<void>;
  };
}

/** An update as a workflow's history shows it. */
interface RecordedUpdate {
  readonly accepted: EventOf<'UpdateAccepted'> | undefined;
  readonly acceptedBy: RunId | undefined;
  readonly completed: EventOf<'UpdateCompleted'> | undefined;
}

/** Finds the update `updateId` in a history: where it was accepted (and by which run), how it ended. */
function findUpdate(history: readonly WorkflowEvent[], updateId: string): RecordedUpdate {
  let runId: RunId | undefined;
  let accepted: EventOf<'UpdateAccepted'> | undefined;
  let acceptedBy: RunId | undefined;
  for (const event of history) {
    if (event.type === 'WorkflowStarted') runId = event.runId;
    else if (event.type === 'UpdateAccepted' && event.updateId === updateId && !accepted) {
      accepted = event;
      acceptedBy = runId;
    } else if (event.type === 'UpdateCompleted' && event.updateId === updateId && accepted) {
      return { accepted, acceptedBy, completed: event };
    }
  }
  return { accepted, acceptedBy, completed: undefined };
}

export class RunUpdates {
  /** Callers waiting for an update's end, by workflow id and update id. */
  readonly #waiters = new Map<string, Set<() => void>>();

  constructor(private readonly port: RunUpdatesPort) {}

  /** Sends an update to the workflow's open run and returns its handler's result. */
  async execute(
    workflowId: WorkflowId,
    name: string,
    args: JsonValue,
    options: UpdateOptions,
  ): Promise<JsonValue> {
    const { lifecycle, table } = this.port;
    lifecycle.assertOpen();
    table.assertReadable(workflowId);
    if (typeof name !== 'string' || name === '') {
      throw new InvalidArgumentError('update name', `${JSON.stringify(name)} must be a non-empty string`);
    }
    const updateId = options.updateId ?? randomUUID();
    if (typeof updateId !== 'string' || updateId === '' || updateId.length > MAX_UPDATE_ID_LENGTH) {
      throw new InvalidArgumentError(
        'updateId',
        `${JSON.stringify(updateId)} must be a non-empty string of at most ${MAX_UPDATE_ID_LENGTH} characters`,
      );
    }
    const checked = checkPayload(args, {
      path: `update ${name} args`,
      ...(this.port.maxPayloadBytes === undefined ? {} : { maxBytes: this.port.maxPayloadBytes }),
    });
    const body: EventBodyOf<'UpdateAccepted'> = {
      type: 'UpdateAccepted',
      updateId,
      updateName: name,
      args: checked,
    };
    if (this.port.remote?.routes(workflowId)) await this.port.remote.acceptUpdate(workflowId, body);
    else await this.#accept(workflowId, body);
    return this.#outcome(workflowId, updateId);
  }

  /** Gets an update that came through the inbox accepted by the open run (once per update id). */
  accept(workflowId: WorkflowId, body: EventBodyOf<'UpdateAccepted'>): Promise<void> {
    return this.#accept(workflowId, body);
  }

  /** An update's end is durable (the run recorded UpdateCompleted): its callers read it. */
  completed(workflowId: WorkflowId, updateId: string): void {
    const key = waiterKey(workflowId, updateId);
    const waiters = this.#waiters.get(key);
    if (!waiters) return;
    this.#waiters.delete(key);
    for (const wake of waiters) wake();
  }

  /** Gets the update accepted by the open run, unless the workflow accepted its id before. */
  async #accept(workflowId: WorkflowId, body: EventBodyOf<'UpdateAccepted'>): Promise<void> {
    const { store, table, lifecycle, settle } = this.port;
    const { updateId } = body;
    for (let attempt = 0; ; attempt++) {
      lifecycle.assertOpen();
      const history = await store.readHistory(workflowId);
      if (findUpdate(history, updateId).accepted) return;
      const current = latestStart(history);
      if (!current) throw new WorkflowNotFoundError(workflowId);
      const outcome = terminalOutcomeFromHistory(history, current.runId);
      if (outcome) throw new WorkflowClosedError(workflowId, outcome.status as WorkflowStatus);
      const entry = table.get(workflowId);
      if (entry?.stalled) throw new WorkflowStalledError(workflowId, entry.runId, entry.stalled);
      if (entry?.runId === current.runId) {
        try {
          // Resolves once UpdateAccepted is recorded (or was, under the same id); rejects with
          // the validator's UpdateRejectedError, recording nothing.
          await new Promise<void>((resolve, reject) => this.port.post(entry, body, { resolve, reject }));
          return;
        } catch (error) {
          if (!(error instanceof RunEndedError) || attempt >= ACCEPT_ATTEMPTS) throw error;
          continue;
        }
      }
      // The run is open in the store but not in this process's table yet (a start or a
      // continue-as-new successor under way): let it settle, then look again.
      if (attempt >= ACCEPT_ATTEMPTS) throw new RunEndedError(workflowId);
      await settle();
    }
  }

  /** Waits for the update's UpdateCompleted: its result, or its handler's error as UpdateFailedError. */
  async #outcome(workflowId: WorkflowId, updateId: string): Promise<JsonValue> {
    const { store, table, lifecycle } = this.port;
    for (;;) {
      lifecycle.assertOpen();
      const key = waiterKey(workflowId, updateId);
      let wake: (() => void) | undefined;
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      const waiters = this.#waiters.get(key) ?? new Set();
      waiters.add(wake as () => void);
      this.#waiters.set(key, waiters);
      const closed = table.nextChange(workflowId);
      try {
        const history = await store.readHistory(workflowId);
        const { accepted, acceptedBy, completed } = findUpdate(history, updateId);
        if (completed) {
          if (completed.error) {
            throw new UpdateFailedError(workflowId, completed.updateName, updateId, completed.error);
          }
          return completed.result ?? null;
        }
        if (!accepted || acceptedBy === undefined) throw new WorkflowNotFoundError(workflowId);
        // The run that accepted it closed without finishing it (its code returned first).
        const outcome = terminalOutcomeFromHistory(history, acceptedBy);
        if (outcome) throw new WorkflowClosedError(workflowId, outcome.status);
        await Promise.race([woken, closed]);
      } finally {
        this.#waiters.get(key)?.delete(wake as () => void);
        if (this.#waiters.get(key)?.size === 0) this.#waiters.delete(key);
      }
    }
  }
}

const waiterKey = (workflowId: WorkflowId, updateId: string): string => `${workflowId}\u0000${updateId}`;
