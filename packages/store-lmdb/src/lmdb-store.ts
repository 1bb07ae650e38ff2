import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type AppendOptions,
  type AppendResult,
  ConcurrencyConflict,
  type DueTimer,
  EMPTY_PROJECTION,
  encodeEventBatch,
  InvalidArgumentError,
  projectEvents,
  type ReadHistoryOptions,
  RepriseError,
  StoreClosedError,
  StoreCorruption,
  StoreFormatError,
  StoreUnavailableError,
  type VisibilityFilter,
  type VisibilityPage,
  type WorkflowEvent,
  type WorkflowId,
  type WorkflowProjection,
  type WorkflowStore,
  type WorkflowSummary,
} from '@reprise/core';
import { type Key, open, type RootDatabase } from 'lmdb';
import { decodeFrame, encodeFrame, frameBody } from './frame.js';
import { checkIntegrity, type IntegrityReport } from './integrity.js';
import { fromKeyText, keyTextBytes, toKeyText } from './key-text.js';
import {
  AFTER_ALL,
  type Databases,
  describeKey,
  EMPTY,
  FORMAT_NAME,
  FORMAT_VERSION,
  INDEX_NAMES,
  type KeyPart,
  MAX_DBS,
  MAX_TIMER_ID_BYTES,
  MAX_WORKFLOW_ID_BYTES,
  negated,
  openDatabases,
  type WorkflowRecord,
} from './layout.js';
import { checkOptions, type LmdbStoreOptions } from './options.js';
import { countKey, diffEntries, entryKey, sameIndexedFields } from './visibility-index.js';
import { countRows, queryPage, type RowSource } from './visibility-query.js';

/**
 * A workflow store on LMDB: `EventStore & VisibilityStore`, plus `close`, `verify` and `path`.
 * See the package README for the contract.
 */
export interface LmdbStore extends WorkflowStore {
  /** The absolute directory of the environment. */
  readonly path: string;
  /**
   * Recomputes every workflow's projection from its history and compares it with what the store
   * keeps beside it (records, active set, timers, every visibility index and count). Reads the
   * whole store; meant for tests, audits and after a crash, not for a hot path.
   */
  verify(): Promise<IntegrityReport>;
  /** Waits for appends in flight, then closes the environment. Idempotent. */
  close(): Promise<void>;
}

/** How many active ids `listActive` reads per step. */
const ACTIVE_CHUNK = 1024;

/** How many decoded workflow records the append path keeps (see `#recordForAppend`). */
const RECORD_CACHE_SIZE = 10_000;

/**
 * Opens (creating if needed) the store in the directory `options.path`. Synchronous: the
 * environment is usable when this returns.
 *
 * Throws `InvalidArgumentError` for bad options (a path that is a file, or lies under one),
 * `StoreUnavailableError` when the directory cannot be opened for writing, and
 * `StoreFormatError` when it holds data in a format this version does not read.
 */
export function openLmdbStore(options: LmdbStoreOptions): LmdbStore {
  checkOptions(options);
  const path = resolve(options.path);
  refuseFile(path);
  let root: RootDatabase<Buffer, Key>;
  try {
    root = open<Buffer, Key>({
      path,
      noSubdir: false,
      maxDbs: MAX_DBS,
      encoding: 'binary',
      // An append resolves when its commit is durable, and nobody reads a commit before it is:
      // LMDB's classic commit (sync, then publish) rather than lmdb-js's overlapping sync.
      overlappingSync: false,
      // Appends issued together share commits because the writer thread takes whatever is
      // queued while the previous commit syncs; without event-turn batches lmdb-js reports a
      // failed commit to its callers only (no stray unhandled rejection).
      eventTurnBatching: false,
      ...(options.noSync ? { noSync: true } : {}),
      ...(options.mapSize === undefined ? {} : { mapSize: options.mapSize }),
    });
  } catch (error) {
    throw openFailure(path, error);
  }
  try {
    refuseForeign(root, path);
    const dbs = openDatabases(root);
    checkFormat(dbs, path);
    return new LmdbWorkflowStore(path, dbs, options.maxPayloadBytes);
  } catch (error) {
    root.close().catch(() => {});
    throw error instanceof RepriseError ? error : openFailure(path, error);
  }
}

function refuseFile(path: string): void {
  try {
    if (!statSync(path).isDirectory()) {
      throw new InvalidArgumentError('options.path', `${path} is a file; the store needs a directory`);
    }
  } catch (error) {
    if (error instanceof RepriseError) throw error;
    // Missing (created by open) or unreadable (reported by open).
  }
}

const errorCode = (error: unknown): string | number | undefined =>
  (error as { code?: string | number } | null)?.code;

function openFailure(path: string, error: unknown): Error {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ENOTDIR' || code === 20) {
    return new InvalidArgumentError('options.path', `${path}: a part of the path is a file (${message})`);
  }
  return new StoreUnavailableError(path, 'open', message, { cause: error });
}

/** An environment whose root holds anything but our named databases is not ours. */
function refuseForeign(root: RootDatabase<Buffer, Key>, path: string): void {
  const ours = new Set<unknown>([
    'meta',
    'history',
    'workflows',
    'active',
    'timers',
    'counts',
    ...INDEX_NAMES,
  ]);
  for (const key of root.getKeys({})) {
    if (!ours.has(key)) throw new StoreFormatError(path, undefined, FORMAT_VERSION);
  }
}

function checkFormat(dbs: Databases, path: string): void {
  const read = (): unknown => {
    const frame = dbs.meta.get('format');
    return frame === undefined ? undefined : decodeFrame(frame, () => describeKey('meta', 'format'));
  };
  let record = read();
  if (record === undefined) {
    const hasData = [dbs.history, dbs.workflows].some((db) => db.getKeysCount({ limit: 1 }) > 0);
    if (hasData) throw new StoreFormatError(path, undefined, FORMAT_VERSION);
    try {
      dbs.root.transactionSync(() => {
        if (dbs.meta.get('format') === undefined) {
          dbs.meta.putSync(
            'format',
            encodeFrame(JSON.stringify({ format: FORMAT_NAME, version: FORMAT_VERSION })),
          );
        }
      });
    } catch (error) {
      throw new StoreUnavailableError(path, 'open', `cannot write the format record: ${String(error)}`, {
        cause: error,
      });
    }
    record = read();
  }
  const { format, version } = (record ?? {}) as { format?: unknown; version?: unknown };
  if (format !== FORMAT_NAME || typeof version !== 'number') {
    throw new StoreFormatError(path, undefined, FORMAT_VERSION);
  }
  if (version !== FORMAT_VERSION) throw new StoreFormatError(path, version, FORMAT_VERSION);
}

class LmdbWorkflowStore implements LmdbStore, RowSource {
  readonly path: string;
  readonly dbs: Databases;
  readonly #maxPayloadBytes: number | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Records this process decoded or wrote, by key form id, with the exact frame they came from. */
  readonly #recordCache = new Map<string, { readonly frame: string; readonly record: WorkflowRecord }>();

  constructor(path: string, dbs: Databases, maxPayloadBytes: number | undefined) {
    this.path = path;
    this.dbs = dbs;
    this.#maxPayloadBytes = maxPayloadBytes;
  }

  async append(
    workflowId: WorkflowId,
    events: readonly WorkflowEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    this.#assertOpen('append');
    const expectedSeq = options?.expectedSeq;
    const tid = workflowKey(workflowId);
    const texts = encodeEventBatch(events, {
      workflowId,
      expectedSeq,
      ...(this.#maxPayloadBytes === undefined ? {} : { payload: { maxBytes: this.#maxPayloadBytes } }),
    });
    // Copies taken now: the caller may change its events while the append waits for its turn.
    const copies = texts.map((text) => JSON.parse(text) as WorkflowEvent);
    checkTimerIds(copies);
    const frames = texts.map(encodeFrame);
    let lastSeq: number;
    try {
      lastSeq = await this.dbs.root.childTransaction(() =>
        this.#applyAppend(workflowId, tid, expectedSeq, copies, frames),
      );
    } catch (error) {
      throw await this.#writeFailure(error, 'append');
    }
    return { lastSeq };
  }

  /** Runs inside the write transaction (a child transaction, so a throw undoes it all). */
  #applyAppend(
    workflowId: WorkflowId,
    tid: string,
    expectedSeq: number,
    events: readonly WorkflowEvent[],
    frames: readonly string[],
  ): number {
    const { dbs } = this;
    const before = this.#recordForAppend(tid);
    const actualSeq = before?.lastSeq ?? 0;
    if (actualSeq !== expectedSeq) throw new ConcurrencyConflict(workflowId, expectedSeq, actualSeq);
    const previous: WorkflowProjection = before
      ? { summary: before.summary ?? undefined, timers: new Map(before.timers) }
      : EMPTY_PROJECTION;
    const next = projectEvents(previous, events);
    frames.forEach((frame, index) => {
      dbs.history.putSync([tid, expectedSeq + index + 1], frame);
    });
    const lastSeq = expectedSeq + frames.length;
    const record: WorkflowRecord = { lastSeq, summary: next.summary ?? null, timers: [...next.timers] };
    const frame = encodeFrame(JSON.stringify(record));
    dbs.workflows.putSync(tid, frame);
    this.#remember(tid, frame, record);
    this.#updateRow(tid, before?.summary ?? null, record.summary);
    this.#updateTimers(tid, previous.timers, next.timers);
    return lastSeq;
  }

  #updateRow(tid: string, before: WorkflowSummary | null, after: WorkflowSummary | null): void {
    if (!before && !after) return;
    if (before && after && sameIndexedFields(before, after)) return;
    const { dbs } = this;
    const { removed, added } = diffEntries(before, after);
    for (const entry of removed) {
      dbs.indexes[entry.index].removeSync(
        entryKey(entry, negated((before as WorkflowSummary).createdAt), tid),
      );
      this.#bumpCount(countKey(entry.index, entry.value), -1);
    }
    for (const entry of added) {
      dbs.indexes[entry.index].putSync(
        entryKey(entry, negated((after as WorkflowSummary).createdAt), tid),
        EMPTY,
      );
      this.#bumpCount(countKey(entry.index, entry.value), 1);
    }
    const wasActive = before?.status === 'Running';
    const isActive = after?.status === 'Running';
    if (isActive && !wasActive) dbs.active.putSync(tid, EMPTY);
    if (wasActive && !isActive) dbs.active.removeSync(tid);
  }

  #bumpCount(key: Key, delta: number): void {
    const count = (this.dbs.counts.get(key) ?? 0) + delta;
    if (count > 0) this.dbs.counts.putSync(key, count);
    else this.dbs.counts.removeSync(key);
  }

  #updateTimers(tid: string, before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): void {
    if (before === after) return;
    const { timers } = this.dbs;
    for (const [timerId, fireAt] of before) {
      if (after.get(timerId) !== fireAt) timers.removeSync([fireAt, tid, toKeyText(timerId)]);
    }
    for (const [timerId, fireAt] of after) {
      if (before.get(timerId) !== fireAt) timers.putSync([fireAt, tid, toKeyText(timerId)], EMPTY);
    }
  }

  async #writeFailure(error: unknown, operation: string): Promise<Error> {
    if (error instanceof RepriseError) return error;
    const commitError = (error as { commitError?: Promise<unknown> } | null)?.commitError;
    let cause = error;
    if (commitError && typeof commitError.then === 'function') {
      cause = await commitError.then(
        () => error,
        (reason: unknown) => reason,
      );
    } else if (errorCode(error) === undefined) {
      return error as Error;
    }
    const message = cause instanceof Error ? cause.message : String(cause);
    return new StoreUnavailableError(
      this.path,
      operation,
      `the commit failed, nothing was written: ${message}`,
      {
        cause,
      },
    );
  }

  async readHistory(workflowId: WorkflowId, options: ReadHistoryOptions = {}): Promise<WorkflowEvent[]> {
    this.#assertOpen('readHistory');
    const fromSeq = options.fromSeq ?? 1;
    if (!Number.isInteger(fromSeq) || fromSeq < 1) {
      throw new InvalidArgumentError('fromSeq', `${JSON.stringify(fromSeq)} must be a positive integer`);
    }
    const tid = workflowKey(workflowId);
    const bodies: string[] = [];
    let expected = fromSeq;
    for (const { key, value } of this.dbs.history.getRange({
      start: [tid, fromSeq],
      end: [tid, AFTER_ALL],
    })) {
      const seq = (key as KeyPart[])[1] as number;
      if (seq !== expected) {
        throw new StoreCorruption(
          describeKey('history', [workflowId, expected]),
          `missing; the next event is seq ${seq}`,
        );
      }
      bodies.push(frameBody(value, () => describeKey('history', [workflowId, seq])));
      expected++;
    }
    // One parse of the whole range is much faster than one per event; a failure is pinned below.
    let events: WorkflowEvent[];
    try {
      events = JSON.parse(`[${bodies.join(',')}]`) as WorkflowEvent[];
    } catch {
      events = bodies.map((body, index) => {
        try {
          return JSON.parse(body) as WorkflowEvent;
        } catch (error) {
          throw new StoreCorruption(
            describeKey('history', [workflowId, fromSeq + index]),
            'value is not JSON',
            {
              cause: error,
            },
          );
        }
      });
    }
    for (let index = 0; index < events.length; index++) {
      const event = events[index];
      const seq = fromSeq + index;
      if (event?.seq !== seq || event.workflowId !== workflowId) {
        throw new StoreCorruption(
          describeKey('history', [workflowId, seq]),
          `holds ${JSON.stringify([event?.workflowId, event?.seq])}`,
        );
      }
    }
    return events;
  }

  async lastSeq(workflowId: WorkflowId): Promise<number> {
    this.#assertOpen('lastSeq');
    return this.#readRecord(workflowKey(workflowId))?.lastSeq ?? 0;
  }

  async *listActive(): AsyncIterable<WorkflowId> {
    let after: string | undefined;
    for (;;) {
      this.#assertOpen('listActive');
      const keys: string[] = [];
      for (const key of this.dbs.active.getKeys({
        ...(after === undefined ? {} : { start: after }),
        limit: ACTIVE_CHUNK + 1,
      })) {
        if (key !== after) keys.push(key as string);
      }
      for (const key of keys.slice(0, ACTIVE_CHUNK)) yield fromKeyText(key) as WorkflowId;
      if (keys.length < ACTIVE_CHUNK) return;
      after = keys[ACTIVE_CHUNK - 1];
    }
  }

  async dueTimers(upTo: number): Promise<DueTimer[]> {
    this.#assertOpen('dueTimers');
    if (typeof upTo !== 'number' || Number.isNaN(upTo)) {
      throw new InvalidArgumentError('upTo', `${JSON.stringify(upTo)} is not epoch milliseconds`);
    }
    const due: DueTimer[] = [];
    for (const key of this.dbs.timers.getKeys({})) {
      const [fireAt, tid, timerKey] = key as [number, string, string];
      if (fireAt > upTo) break;
      due.push({ workflowId: fromKeyText(tid) as WorkflowId, timerId: fromKeyText(timerKey), fireAt });
    }
    return due;
  }

  async getSummary(workflowId: WorkflowId): Promise<WorkflowSummary | undefined> {
    this.#assertOpen('getSummary');
    return this.#readRecord(workflowKey(workflowId))?.summary ?? undefined;
  }

  async query(filter: VisibilityFilter = {}): Promise<VisibilityPage> {
    this.#assertOpen('query');
    return queryPage(this, filter);
  }

  async count(filter: Omit<VisibilityFilter, 'limit' | 'cursor'> = {}): Promise<number> {
    this.#assertOpen('count');
    return countRows(this, filter);
  }

  async verify(): Promise<IntegrityReport> {
    this.#assertOpen('verify');
    return checkIntegrity(this.dbs, (tid) => this.#readRecord(tid));
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.dbs.root.close();
    return this.#closing;
  }

  summaryOf(tid: string, via: () => string): WorkflowSummary {
    const summary = this.#readRecord(tid)?.summary;
    if (!summary)
      throw new StoreCorruption(
        via(),
        `points at workflow ${JSON.stringify(fromKeyText(tid))}, which has no row`,
      );
    return summary;
  }

  /**
   * The record an append builds on. A cached copy is used only when the stored frame is exactly
   * the one it was decoded from, so another process's write, or a failed commit, is never missed;
   * the copy never leaves the store (projectEvents does not mutate its input).
   */
  #recordForAppend(tid: string): WorkflowRecord | undefined {
    const frame = this.dbs.workflows.get(tid);
    if (frame === undefined) return undefined;
    const cached = this.#recordCache.get(tid);
    if (cached && cached.frame === frame) return cached.record;
    const record = this.#decodeRecord(tid, frame);
    this.#remember(tid, frame, record);
    return record;
  }

  #remember(tid: string, frame: string, record: WorkflowRecord): void {
    this.#recordCache.delete(tid);
    if (this.#recordCache.size >= RECORD_CACHE_SIZE) {
      const oldest = this.#recordCache.keys().next().value;
      if (oldest !== undefined) this.#recordCache.delete(oldest);
    }
    this.#recordCache.set(tid, { frame, record });
  }

  #readRecord(tid: string): WorkflowRecord | undefined {
    const frame = this.dbs.workflows.get(tid);
    return frame === undefined ? undefined : this.#decodeRecord(tid, frame);
  }

  #decodeRecord(tid: string, frame: string): WorkflowRecord {
    const where = () => describeKey('workflows', fromKeyText(tid));
    const record = decodeFrame(frame, where) as WorkflowRecord | null;
    if (
      typeof record !== 'object' ||
      record === null ||
      !Number.isInteger(record.lastSeq) ||
      typeof record.summary !== 'object' ||
      !Array.isArray(record.timers)
    ) {
      throw new StoreCorruption(where(), 'is not a workflow record');
    }
    return record;
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw new StoreClosedError(operation);
  }
}

/** The key form of a workflow id, refusing what LMDB keys cannot hold. */
function workflowKey(workflowId: string): string {
  if (typeof workflowId !== 'string') {
    throw new InvalidArgumentError('workflowId', `${JSON.stringify(workflowId)} is not a string`);
  }
  const key = toKeyText(workflowId);
  if (keyTextBytes(key) > MAX_WORKFLOW_ID_BYTES) {
    throw new InvalidArgumentError('workflowId', `is longer than ${MAX_WORKFLOW_ID_BYTES} bytes`);
  }
  return key;
}

function checkTimerIds(events: readonly WorkflowEvent[]): void {
  events.forEach((event, index) => {
    if (event.type === 'TimerStarted' && keyTextBytes(toKeyText(event.timerId)) > MAX_TIMER_ID_BYTES) {
      throw new InvalidArgumentError(
        `events[${index}].timerId`,
        `is longer than ${MAX_TIMER_ID_BYTES} bytes`,
      );
    }
  });
}
