import { type Stats, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type AppendOptions,
  type AppendResult,
  ConcurrencyConflict,
  type DeleteClosedOptions,
  type DeleteClosedResult,
  type DueTimer,
  InvalidArgumentError,
  type ReadHistoryOptions,
  RepriseError,
  type RetentionStore,
  StoreClosedError,
  StoreCorruption,
  StoreFormatError,
  StoreUnavailableError,
  type VisibilityFilter,
  type VisibilityPage,
  type WorkflowEvent,
  type WorkflowId,
  type WorkflowStatus,
  type WorkflowStore,
  type WorkflowSummary,
} from '@reprise/core';
import {
  checkEventBatchForBinary,
  checkPayloadLimit,
  encodeEventBatch,
  retentionCandidates,
  storedSummaryProblem,
} from '@reprise/core/internal';
import { type Key, open, type RootDatabase } from 'lmdb';
import {
  type AppendPlan,
  type BacklogSince,
  type KnownRecord,
  knownRecord,
  planAppend,
  plannedBytes,
  writePlan,
  writePlanIfNext,
} from './append-plan.js';
import { backupTo } from './backup.js';
import { checkEnvironmentFile } from './environment-check.js';
import { DataFileHeadroom } from './file-headroom.js';
import { type ChunkEvents, decodeFrame, encodeFrame, eventCount, eventsOf, packEvents } from './frame.js';
import { type HistoryTail, headSeq, historyTail, readChunks, rowAt, rowTail } from './history-chunks.js';
import { checkIntegrity, type IntegrityReport } from './integrity.js';
import { fromKeyText, keyTextBytes, toKeyText } from './key-text.js';
import {
  asFrameWriter,
  asKey,
  DATABASE_NAMES,
  type Databases,
  describeKey,
  describeRecord,
  EARLIER_FORMAT_NAMES,
  FORMAT_NAME,
  FORMAT_VERSION,
  type KeyPart,
  MAX_DBS,
  MAX_TIMER_ID_BYTES,
  MAX_WORKFLOW_ID_BYTES,
  openDatabases,
  recordKey,
  type StoredSummary,
  type WorkflowRecord,
} from './layout.js';
import { MIGRATES_FROM, migrateInPlace } from './migrate.js';
import { checkOptions, type LmdbStoreOptions } from './options.js';
import { deleteClosedWorkflow } from './retention.js';
import { countRows, queryPage, type RowSource } from './visibility-query.js';

/**
 * A workflow store on LMDB: `EventStore & VisibilityStore`, plus `close`, `verify` and `path`.
 * See the package README for the contract.
 */
export interface LmdbStore extends WorkflowStore, RetentionStore {
  /** The absolute directory of the environment. */
  readonly path: string;
  /**
   * Recomputes every workflow's projection from its history and compares it with what the store
   * keeps beside it (records, timers, every visibility index). Reads the
   * whole store; meant for tests, audits and after a crash, not for a hot path.
   */
  verify(): Promise<IntegrityReport>;
  /**
   * Writes a consistent, compacted copy of the store to `file` (LMDB's copy with compaction,
   * from one read transaction: appends go on meanwhile and are in the copy or not, whole). The
   * copy is a `data.mdb`: restoring is copying it into an empty directory under that name.
   * Refuses a `file` that exists.
   */
  backup(file: string): Promise<void>;
  /** Waits for appends in flight, then closes the environment. Idempotent. */
  close(): Promise<void>;
}

/** How many active ids `listActive` reads per step. */
const ACTIVE_CHUNK = 1024;

/** The status of an open run, the first part of its `by-status-type` key. */
const RUNNING: WorkflowStatus = 'Running';

const sameKey = (a: readonly KeyPart[], b: readonly KeyPart[]): boolean =>
  a.length === b.length && a.every((part, index) => part === b[index]);

/** How many workflows' states the append path keeps (see `#workflows`). */
const COMMITTED_CACHE_SIZE = 10_000;
/**
 * How many of the oldest states one eviction forgets (see `#stateOf`): forgetting one at a time
 * made each new workflow walk the holes its predecessors left at the front of the map's table
 * (V8 drops them only when it rehashes), about 6 µs per first append at the cache's size.
 */
const EVICTION_BATCH = COMMITTED_CACHE_SIZE / 16;
/** How many states with an append in flight an eviction moves to the back before it gives up. */
const EVICTION_SCAN = 16;
/** The `head` of a state whose committed last seq this process does not know. */
const HEAD_NOT_KNOWN = -1;

/**
 * Opens (creating if needed) the store in the directory `options.path`. Synchronous: the
 * environment is usable when this returns.
 *
 * Throws `InvalidArgumentError` for bad options (a path that is a file, or lies under one),
 * `StoreUnavailableError` when the directory cannot be opened for writing,
 * `StoreFormatError` when it holds data in a format this version does not read, and
 * `StoreCorruption` when its data file is damaged where LMDB would fault on it.
 */
export function openLmdbStore(options: LmdbStoreOptions): LmdbStore {
  checkOptions(options);
  const path = resolve(options.path);
  refuseFile(path);
  refuseSpecialFiles(path);
  checkEnvironmentFile(path); // LMDB faults the process on such files instead of failing the open.
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
      ...(options.readOnly ? { readOnly: true } : {}),
      ...(options.mapSize === undefined ? {} : { mapSize: options.mapSize }),
    });
  } catch (error) {
    throw openFailure(path, error);
  }
  try {
    refuseForeign(root, path);
    checkFormat(root, path, options.readOnly === true);
    const dbs = openDatabases(root);
    // Without fsync a commit that grows the file costs no more than one that does not.
    const headroom =
      options.readOnly === true || options.noSync === true ? undefined : new DataFileHeadroom(root, path);
    return new LmdbWorkflowStore(
      path,
      dbs,
      checkPayloadLimit(options.maxPayloadBytes),
      options.readOnly === true,
      headroom,
    );
  } catch (error) {
    root.close().catch(() => {});
    throw error instanceof RepriseError ? error : openFailure(path, error);
  }
}

/** What a path that exists but is no regular file is, in words. */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * LMDB maps its files into memory and faults the process (SIGSEGV) on one that is no regular
 * file: a `data.mdb` linked to `/dev/null`, say. Refused here, before LMDB sees it.
 */
function refuseSpecialFiles(path: string): void {
  for (const name of ['data.mdb', 'lock.mdb']) {
    const file = join(path, name);
    let stats: Stats;
    try {
      stats = statSync(file); // follows a symbolic link to what LMDB would map
    } catch {
      continue; // Missing (created by open) or unreadable (reported by open).
    }
    if (!stats.isFile()) {
      throw new StoreUnavailableError(
        path,
        'open',
        `${file} is ${kindOf(stats)}; LMDB needs a regular file there (remove it, or restore the file from a backup)`,
      );
    }
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

/** What LMDB answers when it meets damage it detects itself (`MDB_CORRUPTED`, `MDB_PAGE_NOTFOUND`). */
const LMDB_DAMAGE_CODES = new Set<unknown>([-30796, -30797]);

/**
 * A read that failed below the store, as the error its caller gets: damage LMDB detects itself,
 * or a key whose damaged bytes lmdb-js cannot decode (a `TypeError` or `RangeError` thrown in
 * lmdb-js or its key encoding), is `StoreCorruption` naming where; anything else goes unchanged.
 */
function unreadable(error: unknown, where: () => string): unknown {
  if (error instanceof RepriseError) return error;
  const fromLmdb =
    LMDB_DAMAGE_CODES.has(errorCode(error)) ||
    ((error instanceof TypeError || error instanceof RangeError) &&
      /node_modules[\\/](lmdb|ordered-binary|msgpackr)[\\/]/.test(error.stack ?? ''));
  if (!fromLmdb) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreCorruption(where(), `LMDB cannot read it: ${message}`, { cause: error });
}

function openFailure(path: string, error: unknown): Error {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ENOTDIR' || code === 20) {
    return new InvalidArgumentError('options.path', `${path}: a part of the path is a file (${message})`);
  }
  return new StoreUnavailableError(path, 'open', message, { cause: error });
}

/**
 * An environment whose root holds anything but our named databases is not ours. Those of earlier
 * formats pass here, so that the format record says which version it is (`checkFormat`).
 */
function refuseForeign(root: RootDatabase<Buffer, Key>, path: string): void {
  const ours = new Set<unknown>([...DATABASE_NAMES, ...EARLIER_FORMAT_NAMES]);
  for (const key of root.getKeys({})) {
    if (!ours.has(key)) throw new StoreFormatError(path, undefined, FORMAT_VERSION);
  }
}

/** What `StoreFormatError` says to do with a store this version migrates but may not write. */
export const MIGRATE_HINT =
  'run `reprise migrate` on it (or open it once for writing), with no process of an older version using it';

/**
 * Checks the format record, writing it in a new store; migrates a format-4, 5, 6 or 7 store in place
 * (`migrate.ts`) when the store may be written, and refuses it with `StoreFormatError` saying
 * how to migrate it when it is opened read-only.
 */
function checkFormat(root: RootDatabase<Buffer, Key>, path: string, readOnly: boolean): void {
  const meta = root.openDB<string, Key>('meta', { encoding: 'string' });
  const read = (): unknown => {
    const frame = meta.get('format');
    return frame === undefined ? undefined : decodeFrame(frame, () => describeKey('meta', 'format'));
  };
  let record = read();
  if (record === undefined) {
    const names = new Set([...root.getKeys({})].map(String));
    const hasData = ['history', 'workflows'].some(
      (name) =>
        names.has(name) &&
        root.openDB<string, Key>(name, { encoding: 'string' }).getKeysCount({ limit: 1 }) > 0,
    );
    if (hasData || readOnly) throw new StoreFormatError(path, undefined, FORMAT_VERSION);
    try {
      root.transactionSync(() => {
        if (meta.get('format') === undefined) {
          asFrameWriter(meta).putSync(
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
  if (MIGRATES_FROM.includes(version)) {
    if (readOnly) throw new StoreFormatError(path, version, FORMAT_VERSION, MIGRATE_HINT);
    try {
      migrateInPlace(root);
    } catch (error) {
      if (error instanceof RepriseError) throw error;
      throw new StoreUnavailableError(
        path,
        'open',
        `cannot migrate the store from format ${version} to ${FORMAT_VERSION}, nothing was changed: ${String(error)}`,
        { cause: error },
      );
    }
    return;
  }
  if (version !== FORMAT_VERSION) throw new StoreFormatError(path, version, FORMAT_VERSION);
}

class LmdbWorkflowStore implements LmdbStore, RowSource {
  readonly path: string;
  readonly dbs: Databases;
  readonly #payloadLimit: { readonly maxBytes: number } | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  /**
   * What this process knows of each workflow it appended to, by key form id: the committed state
   * it wrote or read in a write transaction (never one whose commit is pending: it may fail), and
   * its latest append not settled yet. One map, looked up once per append.
   */
  readonly #workflows = new Map<string, WorkflowState>();
  /** The head of the record each summary read was in (`rowOf` starts its history length there). */
  readonly #heads = new WeakMap<StoredSummary, number>();
  /** How many appends have not settled yet; `close` waits for none to be left. */
  #pending = 0;
  #drained: (() => void) | undefined;

  constructor(
    path: string,
    dbs: Databases,
    maxPayloadBytes: number | undefined,
    private readonly readOnly: boolean,
    private readonly headroom: DataFileHeadroom | undefined,
  ) {
    this.path = path;
    this.dbs = dbs;
    this.#payloadLimit = maxPayloadBytes === undefined ? undefined : { maxBytes: maxPayloadBytes };
  }

  append(
    workflowId: WorkflowId,
    events: readonly WorkflowEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    try {
      this.#assertOpen('append');
      if (this.readOnly)
        throw new StoreUnavailableError(this.path, 'append', 'the store was opened read-only');
      const expectedSeq = options?.expectedSeq;
      const tid = workflowKey(workflowId);
      const check =
        this.#payloadLimit === undefined
          ? { workflowId, expectedSeq }
          : { workflowId, expectedSeq, payload: this.#payloadLimit };
      const encoded: ChunkEvents =
        (checkEventBatchForBinary(events, check) ? packEvents(events) : undefined) ??
        encodeEventBatch(events, check);
      checkTimerIds(events);
      const lastSeq = expectedSeq + eventCount(encoded);
      const state = this.#stateOf(tid);
      const batch: Batch = { workflowId, tid, state, expectedSeq, lastSeq, events, encoded, done: undefined };
      // An append builds on the committed state, so it waits for this process's previous append
      // to the same workflow; appends to different workflows are issued at once, in call order.
      const previous = state.inFlight;
      state.inFlight = batch;
      this.#pending++;
      if (previous?.done === undefined) {
        batch.done = this.#issue(batch);
      } else {
        // The events are read later: from what was encoded, which the caller cannot change.
        batch.events = undefined;
        const issue = () => this.#issue(batch);
        batch.done = previous.done.then(issue, issue);
      }
      return batch.done;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Writes an append: as a conditional write when this process knows the committed state at
   * `expectedSeq` (when its condition fails, another writer moved the workflow on, nothing was
   * written, and the append gets `ConcurrencyConflict`); else inside the write transaction, which
   * reads the last seq and the record, checks the seq (`ConcurrencyConflict` with the actual one)
   * and writes everything. Settles the batch once its outcome is known.
   */
  #issue(batch: Batch): Promise<AppendResult> {
    let plan: AppendPlan | undefined;
    let written: Promise<boolean>;
    try {
      plan = this.#conditionalPlan(batch);
      if (plan === undefined) return this.#transactionWrite(batch);
      written = writePlanIfNext(this.dbs, plan);
      this.headroom?.wrote(plannedBytes(plan));
    } catch (error) {
      this.#settled(batch);
      return Promise.reject(error);
    }
    batch.events = undefined;
    batch.encoded = undefined;
    const { after, backlogAfter } = plan;
    return written.then(
      (applied) => (applied ? this.#written(batch, after, backlogAfter) : this.#conflict(batch)),
      (error: unknown) => this.#failed(batch, error),
    );
  }

  /**
   * The plan of an append that can be one conditional write (see `writePlanIfNext`): this
   * process knows the committed last seq is `expectedSeq` and the record there, or `expectedSeq`
   * is 0 (a first append: no history, no record). The known last seq was committed, so
   * `[tid, expectedSeq]` exists; seqs only grow, so `[tid, expectedSeq + 1]` being absent when
   * the writer checks means nobody appended since, and the record is still the known one (for
   * a first append: `[tid, 1]` absent means no history, so no record). `undefined` when this
   * process does not know the state at `expectedSeq`: the append runs in the write transaction.
   */
  #conditionalPlan(batch: Batch): AppendPlan | undefined {
    const { tid, state, expectedSeq } = batch;
    const encoded = batch.encoded as ChunkEvents;
    if (state.head === HEAD_NOT_KNOWN ? expectedSeq !== 0 : state.head !== expectedSeq) return undefined;
    // The cache keeps the next record while the caller may change its events: it holds none of
    // their objects, as core's projection copies what it keeps of them.
    return planAppend(
      tid,
      state.known,
      state.backlogSince,
      expectedSeq,
      batch.events ?? eventsOf(encoded),
      encoded,
    );
  }

  /**
   * A conditional write found `[tid, expectedSeq + 1]` and wrote nothing: another writer
   * appended since. The last seq is read after that commit, so it is at least `expectedSeq + 1`.
   */
  #conflict(batch: Batch): Promise<never> {
    const { workflowId, tid, expectedSeq } = batch;
    let error: unknown;
    try {
      error = new ConcurrencyConflict(workflowId, expectedSeq, headSeq(this.dbs.history, tid));
    } catch (caught) {
      error = caught;
    }
    return this.#failed(batch, error);
  }

  /** Runs an append inside the write transaction (see `#issue`). */
  async #transactionWrite(batch: Batch): Promise<AppendResult> {
    const { workflowId, tid, expectedSeq } = batch;
    const encoded = batch.encoded as ChunkEvents;
    let plan: AppendPlan;
    try {
      const events = eventsOf(encoded);
      plan = await this.dbs.root.childTransaction(() => {
        const tail = historyTail(this.dbs.history, tid);
        if (tail.lastSeq !== expectedSeq)
          throw new ConcurrencyConflict(workflowId, expectedSeq, tail.lastSeq);
        const committed = this.#committedAt(batch.state, tid, tail);
        const inTransaction = planAppend(
          tid,
          committed?.known,
          committed?.backlogSince,
          expectedSeq,
          events,
          encoded,
        );
        writePlan(this.dbs, inTransaction);
        this.headroom?.wrote(plannedBytes(inTransaction));
        return inTransaction;
      });
    } catch (error) {
      return this.#failed(batch, error);
    }
    return this.#written(batch, plan.after, plan.backlogAfter);
  }

  /** An append committed: remembers the state it left, settles it, and says its last seq. */
  #written(batch: Batch, after: KnownRecord, backlogAfter: BacklogSince): AppendResult {
    const { state } = batch;
    state.head = batch.lastSeq;
    state.known = after;
    state.backlogSince = backlogAfter;
    this.#settled(batch);
    return { lastSeq: batch.lastSeq };
  }

  /** An append failed and wrote nothing: settles it and throws the typed error. */
  async #failed(batch: Batch, error: unknown): Promise<never> {
    forget(batch.state);
    const failure = await this.#writeFailure(error, 'append');
    this.#settled(batch);
    throw failure;
  }

  #settled(batch: Batch): void {
    if (batch.state.inFlight === batch) batch.state.inFlight = undefined;
    if (--this.#pending === 0) {
      this.headroom?.idle();
      this.#drained?.();
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
    // A workflow never written (what every start asks first) has neither a first event nor a
    // record: two lookups instead of a range read, which leaves garbage that outlives scavenges.
    if (
      fromSeq === 1 &&
      !this.dbs.history.doesExist([tid, 1]) &&
      !this.dbs.history.doesExist(recordKey(tid))
    ) {
      return [];
    }
    let events: WorkflowEvent[];
    try {
      events = readChunks(this.dbs.historyBytes, workflowId, tid, fromSeq);
    } catch (error) {
      throw unreadable(error, () => describeKey('history', [workflowId, fromSeq]));
    }
    // Its record says it was written, yet no chunk is left: its history is gone.
    if (events.length === 0 && fromSeq === 1 && this.dbs.history.doesExist(recordKey(tid))) {
      throw new StoreCorruption(
        describeKey('history', [workflowId, 1]),
        'missing; the workflow has a record',
      );
    }
    return events;
  }

  async lastSeq(workflowId: WorkflowId): Promise<number> {
    this.#assertOpen('lastSeq');
    try {
      return headSeq(this.dbs.history, workflowKey(workflowId));
    } catch (error) {
      throw unreadable(error, () => describeKey('history', [workflowId, 'last']));
    }
  }

  /**
   * The open runs are the `Running` range of `by-status-type` (type, then list order), read in
   * steps of {@link ACTIVE_CHUNK}, each from just after the last key of the step before. A run
   * whose type changes (continue-as-new as another type) between two steps may be listed twice
   * or not at all, as an id started meanwhile may be: the list is of the runs open when it is
   * read, and recovery passes over an id it already holds.
   */
  async *listActive(): AsyncIterable<WorkflowId> {
    const running = this.dbs.indexes['by-status-type'];
    let after: KeyPart[] | undefined;
    for (;;) {
      this.#assertOpen('listActive');
      const tids: string[] = [];
      let last: KeyPart[] | undefined;
      for (const raw of running.getKeys({ start: asKey(after ?? [RUNNING]), limit: ACTIVE_CHUNK + 1 })) {
        const key = raw as KeyPart[];
        if (key[0] !== RUNNING) break;
        if (after !== undefined && sameKey(key, after)) continue;
        if (tids.length === ACTIVE_CHUNK) break;
        tids.push(key[3] as string);
        last = key;
      }
      for (const tid of tids) yield fromKeyText(tid) as WorkflowId;
      if (tids.length < ACTIVE_CHUNK || last === undefined) return;
      after = last;
    }
  }

  async dueTimers(upTo: number): Promise<DueTimer[]> {
    this.#assertOpen('dueTimers');
    if (typeof upTo !== 'number' || Number.isNaN(upTo)) {
      throw new InvalidArgumentError('upTo', `${JSON.stringify(upTo)} is not epoch milliseconds`);
    }
    const due: DueTimer[] = [];
    try {
      for (const key of this.dbs.timers.getKeys({})) {
        const [fireAt, tid, timerKey] = key as [number, string, string];
        if (fireAt > upTo) break;
        due.push({ workflowId: fromKeyText(tid) as WorkflowId, timerId: fromKeyText(timerKey), fireAt });
      }
    } catch (error) {
      throw unreadable(error, () => 'timers');
    }
    return due;
  }

  async getSummary(workflowId: WorkflowId): Promise<WorkflowSummary | undefined> {
    this.#assertOpen('getSummary');
    const tid = workflowKey(workflowId);
    try {
      const summary = this.#readRecord(tid)?.summary;
      return summary ? this.rowOf(tid, summary) : undefined;
    } catch (error) {
      throw unreadable(error, () => describeRecord(workflowId));
    }
  }

  async query(filter: VisibilityFilter = {}): Promise<VisibilityPage> {
    this.#assertOpen('query');
    try {
      return queryPage(this, filter);
    } catch (error) {
      throw unreadable(error, () => 'the visibility indexes');
    }
  }

  async count(filter: Omit<VisibilityFilter, 'limit' | 'cursor'> = {}): Promise<number> {
    this.#assertOpen('count');
    try {
      return countRows(this, filter);
    } catch (error) {
      throw unreadable(error, () => 'the visibility indexes');
    }
  }

  /**
   * Deletes a batch of closed workflows in one write transaction (`retention.ts`). A workflow
   * with an append of this process in flight is kept for a later batch; for each one deleted,
   * this process forgets what it knew of it, so the next append to its id (a new start) reads
   * the store instead of building on a history that is gone.
   */
  async deleteClosed(options: DeleteClosedOptions): Promise<DeleteClosedResult> {
    this.#assertOpen('deleteClosed');
    const { rows, cursor } = await retentionCandidates(this, options);
    const page = cursor === undefined ? {} : { cursor };
    if (options.dryRun) return { deleted: rows.map((row) => row.workflowId), ...page };
    let deleted: WorkflowId[] = [];
    try {
      await this.dbs.root.transaction(() => {
        deleted = [];
        for (const row of rows) {
          const tid = workflowKey(row.workflowId);
          if (this.#workflows.get(tid)?.inFlight !== undefined) continue;
          if (!deleteClosedWorkflow(this.dbs, tid, row, (key) => this.#readRecord(key))) continue;
          this.#workflows.delete(tid);
          deleted.push(row.workflowId);
        }
      });
    } catch (error) {
      throw await this.#writeFailure(error, 'deleteClosed');
    }
    return { deleted, ...page };
  }

  async backup(file: string): Promise<void> {
    this.#assertOpen('backup');
    await backupTo(this.dbs.root, this.path, file);
  }

  async verify(): Promise<IntegrityReport> {
    this.#assertOpen('verify');
    return checkIntegrity(this.dbs, (tid) => this.#readRecord(tid));
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (
      this.#pending === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            this.#drained = resolve;
          })
    )
      .then(() => this.headroom?.close())
      .then(() => this.dbs.root.close());
    return this.#closing;
  }

  summaryOf(tid: string, via: () => string): StoredSummary {
    const summary = this.#readRecord(tid)?.summary;
    if (!summary)
      throw new StoreCorruption(
        via(),
        `points at workflow ${JSON.stringify(fromKeyText(tid))}, which has no row`,
      );
    return summary;
  }

  rowOf(tid: string, summary: StoredSummary): WorkflowSummary {
    // The summary was just parsed, so it is this caller's to complete.
    return rowAt(summary, rowTail(this.dbs.history, tid, this.#heads.get(summary)));
  }

  /**
   * The committed state where the history ends (`tail`), read in the write transaction: the
   * known one when it is at that seq (seqs only grow, so a state known at `head` is the state
   * while the last seq is `head`), else the stored record with the row's backlog from the tail.
   * A workflow with events and no record is damaged.
   */
  #committedAt(state: WorkflowState, tid: string, tail: HistoryTail): Committed | undefined {
    const head = tail.lastSeq;
    if (head === 0) return undefined;
    if (state.head === head && state.known !== undefined) {
      return { head, known: state.known, backlogSince: state.backlogSince };
    }
    const stored = this.#readRecord(tid);
    if (!stored) {
      throw new StoreCorruption(
        describeRecord(fromKeyText(tid)),
        `is missing; its history has ${head} events`,
      );
    }
    return { head, ...knownRecord(stored, tail) };
  }

  /**
   * The state of a workflow, made (committed state not known) when this process has none. The
   * map keeps at most `COMMITTED_CACHE_SIZE` states: one made beyond that forgets the oldest
   * `EVICTION_BATCH` with no append in flight (an append in flight must stay where the next one
   * finds it; those met on the way go to the back), stopping early after `EVICTION_SCAN` of those.
   */
  #stateOf(tid: string): WorkflowState {
    const known = this.#workflows.get(tid);
    if (known !== undefined) return known;
    if (this.#workflows.size >= COMMITTED_CACHE_SIZE) this.#forgetOldest();
    const state: WorkflowState = {
      head: HEAD_NOT_KNOWN,
      known: undefined,
      backlogSince: undefined,
      inFlight: undefined,
    };
    this.#workflows.set(tid, state);
    return state;
  }

  /** Forgets up to `EVICTION_BATCH` of the oldest states with no append in flight (see `#stateOf`). */
  #forgetOldest(): void {
    let forgotten = 0;
    let moved = 0;
    for (const [oldestTid, oldest] of this.#workflows) {
      this.#workflows.delete(oldestTid);
      if (oldest.inFlight === undefined) {
        if (++forgotten === EVICTION_BATCH) return;
      } else {
        this.#workflows.set(oldestTid, oldest);
        if (++moved === EVICTION_SCAN) return;
      }
    }
  }

  #readRecord(tid: string): WorkflowRecord | undefined {
    const frame = this.dbs.history.get(recordKey(tid));
    return frame === undefined ? undefined : this.#decodeRecord(tid, frame);
  }

  #decodeRecord(tid: string, frame: string): WorkflowRecord {
    const where = () => describeRecord(fromKeyText(tid));
    const record = decodeFrame(frame, where) as WorkflowRecord | null;
    if (typeof record !== 'object' || record === null || !Array.isArray(record.timers)) {
      throw new StoreCorruption(where(), 'is not a workflow record');
    }
    // A history with no WorkflowStarted (a schedule's) has a record without a row.
    const problem =
      record.summary === undefined || record.summary === null
        ? undefined
        : storedSummaryProblem(record.summary, fromKeyText(tid));
    if (problem !== undefined) throw new StoreCorruption(where(), `is not a workflow record: ${problem}`);
    const { head } = record;
    if (head !== undefined) {
      if (!Number.isSafeInteger(head) || head < 1) {
        throw new StoreCorruption(where(), `is not a workflow record: head is ${JSON.stringify(head)}`);
      }
      if (record.summary) this.#heads.set(record.summary, head);
    }
    return record;
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw new StoreClosedError(operation);
  }
}

/**
 * A workflow's committed state as this process knows it: its last seq, its record there, and its
 * open run's backlog when appends since the record's last write moved it.
 */
interface Committed {
  readonly head: number;
  readonly known: KnownRecord;
  readonly backlogSince: BacklogSince;
}

/** What this process knows of a workflow (see `#workflows`). */
interface WorkflowState {
  /** The committed last seq `known` is at; `HEAD_NOT_KNOWN` when this process does not know it. */
  head: number;
  known: KnownRecord | undefined;
  backlogSince: BacklogSince;
  /** This process's latest append not settled yet: the next one waits for it. */
  inFlight: Batch | undefined;
}

/** Forgets a workflow's committed state (an append failed: the store may have moved on). */
function forget(state: WorkflowState): void {
  state.head = HEAD_NOT_KNOWN;
  state.known = undefined;
  state.backlogSince = undefined;
}

/** One append's checked batch: its events (or, once it had to wait, only their encoding) and chunk. */
interface Batch {
  readonly workflowId: WorkflowId;
  readonly tid: string;
  /** Its workflow's state, which it settles. */
  readonly state: WorkflowState;
  readonly expectedSeq: number;
  /** The seq of its last event. */
  readonly lastSeq: number;
  /** The caller's events, usable only while the append has not yet returned (then `encoded`). */
  events: readonly WorkflowEvent[] | undefined;
  /**
   * Their encoding, checked (MessagePack, or their JSON texts), until the append is issued as a
   * conditional write: then dropped, so the appends waiting for a commit hold little (their
   * events die young instead of being copied by GC). The plan makes the chunk of it (`frame.ts`).
   */
  encoded: ChunkEvents | undefined;
  /** The append's outcome, once it is issued. */
  done: Promise<AppendResult> | undefined;
}

/** The key form of a workflow id, refusing what LMDB keys cannot hold. */
function workflowKey(workflowId: string): string {
  if (typeof workflowId !== 'string') {
    throw new InvalidArgumentError('workflowId', `${JSON.stringify(workflowId)} is not a string`);
  }
  const key = toKeyText(workflowId);
  // A code unit takes at most 3 UTF-8 bytes: short ids need no count.
  if (key.length * 3 > MAX_WORKFLOW_ID_BYTES && keyTextBytes(key) > MAX_WORKFLOW_ID_BYTES) {
    throw new InvalidArgumentError('workflowId', `is longer than ${MAX_WORKFLOW_ID_BYTES} bytes`);
  }
  return key;
}

function checkTimerIds(events: readonly WorkflowEvent[]): void {
  for (let index = 0; index < events.length; index++) {
    const event = events[index] as WorkflowEvent;
    if (event.type === 'TimerStarted' && keyTextBytes(toKeyText(event.timerId)) > MAX_TIMER_ID_BYTES) {
      throw new InvalidArgumentError(
        `events[${index}].timerId`,
        `is longer than ${MAX_TIMER_ID_BYTES} bytes`,
      );
    }
  }
}
