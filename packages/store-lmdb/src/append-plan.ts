import {
  EMPTY_PROJECTION,
  projectEvents,
  type RunBacklog,
  type WorkflowEvent,
  type WorkflowProjection,
  type WorkflowSummary,
} from '@reprise/core';
import { movesOnlyHistoryLength, stepBacklog } from '@reprise/core/internal';
import type { Key } from 'lmdb';
import { type ChunkEvents, encodeChunk, encodeFrame, eventCount } from './frame.js';
import { type HistoryTail, rowAt } from './history-chunks.js';
import { toKeyText } from './key-text.js';
import {
  asFrameWriter,
  type Databases,
  EMPTY,
  recordKey,
  type StoredSummary,
  type WorkflowRecord,
} from './layout.js';
import { sameIndexedFields, writeIndexChanges } from './visibility-index.js';

/**
 * A committed workflow record as the append path keeps it: its summary as a projection holds
 * it, and its timers as a map. The summary carries a `historyLength` (of whichever seq it was
 * known at) only because core's `projectEvents` copies such a summary much faster than one
 * without; the record never stores it. Its open run's backlog is the one of the record's last
 * write: the append path keeps the run's current backlog beside it (`BacklogSince`).
 */
export type KnownRecord = WorkflowProjection;

/**
 * The open run's backlog when appends since the record's last write moved it (their chunks carry
 * it); `undefined` when it is the record summary's own.
 */
export type BacklogSince = RunBacklog | undefined;

/**
 * The known form of a record read from the store when its history ended at `tail`, and its open
 * run's backlog there when the last chunk carries one: beside the record, which keeps its own
 * (a chunk that carries none means the record's, see `chunkOnly`).
 */
export function knownRecord(
  record: WorkflowRecord,
  tail: HistoryTail,
): { readonly known: KnownRecord; readonly backlogSince: BacklogSince } {
  const summary = record.summary
    ? rowAt({ ...record.summary }, { lastSeq: tail.lastSeq, backlog: undefined })
    : undefined;
  return {
    known: { summary, timers: new Map(record.timers) },
    backlogSince: summary?.status === 'Running' ? tail.backlog : undefined,
  };
}

/** The record as `history` stores it (under `[tid, RECORD_SEQ]`). */
export const storedRecord = (known: KnownRecord, head: number): WorkflowRecord => ({
  summary: known.summary ? withoutLength(known.summary) : null,
  timers: known.timers.size === 0 ? NO_TIMERS : [...known.timers],
  head,
});

const NO_TIMERS: WorkflowRecord['timers'] = [];

/**
 * What one append writes, computed from the record it builds on: the events' frames, and, when
 * the record's content changes, the next record and the changes to the timer index and (when the
 * row's indexed fields change) to the visibility indexes. Every write is a
 * put or a remove of a key the plan names: nothing is read to write it, so any plan can be
 * issued as one conditional write (`writePlanIfNext`).
 */
export interface AppendPlan {
  readonly tid: string;
  /** The record the append builds on (`undefined`: the workflow has none yet). */
  readonly before: KnownRecord | undefined;
  readonly expectedSeq: number;
  /**
   * The history chunk of the append's events, stored under `[tid, expectedSeq + 1]`; it carries
   * the open run's backlog when the record is not written and that backlog is not the record's.
   */
  readonly chunk: Buffer;
  /** The record after the append: `before` itself when its content stays as it was. */
  readonly after: KnownRecord;
  /** The open run's backlog after the append, when it is not `after`'s own (see `BacklogSince`). */
  readonly backlogAfter: BacklogSince;
  /** The frame of `after`, when it must be written; `undefined` when `after` is `before`. */
  readonly recordFrame: Buffer | undefined;
  /** Whether the visibility row gains, loses or changes an index entry. */
  readonly changesRow: boolean;
}

/**
 * The plan of appending `events` (already checked, and `encoded` as the chunk holds them) on top of `before`,
 * whose open run's backlog is `backlogSince` when appends since its last write moved it.
 * An append whose events change nothing of the record but the open run's backlog (an activity
 * scheduled, a signal received ...) writes its chunk alone, with that backlog in it: readers
 * take a row's backlog from the last chunk when it carries one (`history-chunks.ts`).
 */
export function planAppend(
  tid: string,
  before: KnownRecord | undefined,
  backlogSince: BacklogSince,
  expectedSeq: number,
  events: readonly WorkflowEvent[],
  encoded: ChunkEvents,
): AppendPlan {
  const lastSeq = expectedSeq + eventCount(encoded);
  const summaryBefore = before?.summary;
  const open = summaryBefore?.status === 'Running';
  const backlog = open ? (backlogSince ?? summaryBefore.backlog) : undefined;
  if (before) {
    // A run's step (commands, inputs) moves its backlog at most: the record stays as it is, and
    // the backlog goes beside it, with no copy of its summary.
    const quiet = movesOnlyHistoryLength(events);
    const next = quiet ? backlog : backlog && stepBacklog(backlog, events);
    if (quiet || next !== undefined) return chunkOnly(tid, before, next, expectedSeq, lastSeq, encoded);
  }
  // The record changes (or may): projected from the record with the run's current backlog.
  const current =
    before && backlogSince !== undefined && open
      ? { summary: { ...summaryBefore, backlog: backlogSince }, timers: before.timers }
      : before;
  // projectEvents copies what it changes: `current` stays as it was.
  const next = projectEvents(current ?? EMPTY_PROJECTION, events);
  const summaryNow = current?.summary;
  if (before && next.timers === before.timers) {
    if (next.summary === undefined ? summaryNow === undefined : sameRecordSummary(summaryNow, next.summary)) {
      // Only the backlog moved, if anything: the record stays, the backlog goes beside it.
      const backlogAfter = next.summary?.status === 'Running' ? next.summary.backlog : undefined;
      return chunkOnly(tid, before, backlogAfter, expectedSeq, lastSeq, encoded);
    }
  }
  return {
    tid,
    before: current,
    expectedSeq,
    chunk: encodeChunk(lastSeq, encoded),
    after: next,
    backlogAfter: undefined,
    recordFrame: encodeFrame(JSON.stringify(storedRecord(next, lastSeq))),
    changesRow: !sameRow(summaryNow, next.summary),
  };
}

/**
 * The plan of an append that leaves the record as it is: its events' chunk alone, carrying the
 * open run's backlog after it (`backlog`; none once the run is closed) when it is not the
 * record's own, so that the row read from the record and this chunk is the projection of the
 * history (a row takes the record's backlog when the last chunk carries none). The commonest
 * step of a run (an activity's end and the next one scheduled) ends with the record's backlog,
 * and its chunk is the events alone. The backlog is kept beside the record when it is not the
 * record's own.
 */
function chunkOnly(
  tid: string,
  before: KnownRecord,
  backlog: RunBacklog | undefined,
  expectedSeq: number,
  lastSeq: number,
  encoded: ChunkEvents,
): AppendPlan {
  const moved = backlog === before.summary?.backlog ? undefined : backlog;
  return {
    tid,
    before,
    expectedSeq,
    chunk: encodeChunk(lastSeq, encoded, moved),
    after: before,
    backlogAfter: moved,
    recordFrame: undefined,
    changesRow: false,
  };
}

/**
 * The stored form of a summary: a copy whose `historyLength` is `undefined`, which JSON leaves
 * out where it stands (the record is only ever written as JSON). Copying all but that key (a
 * rest pattern) took about five times as long: V8 copies a whole object literal by its shape.
 */
function withoutLength(summary: WorkflowSummary): StoredSummary {
  return { ...summary, historyLength: undefined } as StoredSummary;
}

function sameRow(before: WorkflowSummary | undefined, after: WorkflowSummary | undefined): boolean {
  if (!before || !after) return before === after;
  return sameIndexedFields(before, after);
}

/**
 * Whether the record of `after` is the record of `before`: they differ in `historyLength` and
 * the open run's backlog at most (same keys, same values), which the record does not keep
 * current (`history-chunks.ts`).
 */
function sameRecordSummary(before: WorkflowSummary | undefined, after: WorkflowSummary): boolean {
  if (before === undefined) return false;
  const a = before as unknown as Record<string, unknown>;
  const b = after as unknown as Record<string, unknown>;
  let keys = 0;
  for (const key in b) {
    keys++;
    if (key !== 'historyLength' && key !== 'backlog' && a[key] !== b[key]) return false;
  }
  for (const _ in a) keys--;
  return keys === 0;
}

/**
 * About how many bytes of pages a plan's writes take: its frames, and a bound for its keys and
 * index entries (a record written may move a row's few index entries and timers).
 */
export const plannedBytes = (plan: AppendPlan): number =>
  plan.chunk.length + (plan.recordFrame === undefined ? KEY_BYTES : plan.recordFrame.length + 8 * KEY_BYTES);

/** More than LMDB takes for one key of ours and its node header. */
const KEY_BYTES = 64;

/** `put` with lmdb-js's `noOverwrite` (MDB_NOOVERWRITE), which its typings leave out. */
type PutIfAbsent = (key: Key, value: Buffer, options: { readonly noOverwrite: true }) => Promise<boolean>;
const NO_OVERWRITE = { noOverwrite: true } as const;

/**
 * Issues a plan as one conditional write: lmdb-js's writer thread applies all of its writes, or
 * none when the history already has the key `[tid, expectedSeq + 1]`, inside its commit, and
 * resolves whether it did. An append that leaves the record as it is (whatever its number of
 * events) is one `put` of its chunk that fails on an existing key; one that changes the record
 * (and so maybe index entries, timers) is an `ifNoExists` block.
 */
export function writePlanIfNext(dbs: Databases, plan: AppendPlan): Promise<boolean> {
  const key = [plan.tid, plan.expectedSeq + 1];
  if (plan.recordFrame === undefined) {
    return (asFrameWriter(dbs.history).put as unknown as PutIfAbsent)(key, plan.chunk, NO_OVERWRITE);
  }
  return dbs.history.ifNoExists(key, () => writePlan(dbs, plan));
}

/**
 * Issues every write of a plan. Inside a write transaction they apply at once; inside an
 * `ifNoExists` block they are queued and applied, all or none, by lmdb-js's writer thread.
 */
export function writePlan(dbs: Databases, plan: AppendPlan): void {
  const { tid, expectedSeq, before, after } = plan;
  asFrameWriter(dbs.history).put([tid, expectedSeq + 1], plan.chunk);
  if (plan.recordFrame === undefined) return;
  asFrameWriter(dbs.history).put(recordKey(tid), plan.recordFrame);
  if (plan.changesRow) writeIndexChanges(dbs.index, tid, before?.summary, after.summary);
  writeTimers(dbs, tid, before?.timers ?? EMPTY_PROJECTION.timers, after.timers);
}

function writeTimers(
  dbs: Databases,
  tid: string,
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): void {
  if (before === after) return;
  for (const [timerId, fireAt] of before) {
    if (after.get(timerId) !== fireAt) dbs.timers.remove([fireAt, tid, toKeyText(timerId)]);
  }
  for (const [timerId, fireAt] of after) {
    if (before.get(timerId) !== fireAt) dbs.timers.put([fireAt, tid, toKeyText(timerId)], EMPTY);
  }
}
