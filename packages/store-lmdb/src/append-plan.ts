import {
  EMPTY_PROJECTION,
  projectEvents,
  type WorkflowEvent,
  type WorkflowProjection,
  type WorkflowSummary,
} from '@reprise/core';
import { leavesProjection } from '@reprise/core/internal';
import type { Key } from 'lmdb';
import { encodeFrame } from './frame.js';
import { toKeyText } from './key-text.js';
import {
  asFrameWriter,
  type Databases,
  EMPTY,
  negated,
  type StoredSummary,
  type WorkflowRecord,
} from './layout.js';
import { diffEntries, entryKey, sameIndexedFields } from './visibility-index.js';

/**
 * A committed workflow record as the append path keeps it: its summary as a projection holds
 * it, and its timers as a map. The summary carries a `historyLength` (of whichever seq it was
 * known at) only because core's `projectEvents` copies such a summary much faster than one
 * without; the record never stores it.
 */
export type KnownRecord = WorkflowProjection;

/** The known form of a record read from the store when the workflow's last seq was `head`. */
export const knownRecord = (record: WorkflowRecord, head: number): KnownRecord => ({
  summary: record.summary ? { ...record.summary, historyLength: head } : undefined,
  timers: new Map(record.timers),
});

/** The record as `workflows` stores it. */
export const storedRecord = (known: KnownRecord, head: number): WorkflowRecord => ({
  summary: known.summary ? withoutLength(known.summary) : null,
  timers: [...known.timers],
  head,
});

/**
 * What one append writes, computed from the record it builds on: the events' frames, and, when
 * the record's content changes, the next record and the changes to the timer index and (when the
 * row's indexed fields change) to the visibility indexes and the active set. Every write is a
 * put or a remove of a key the plan names: nothing is read to write it, so any plan can be
 * issued as one conditional write (`writePlanIfNext`).
 */
export interface AppendPlan {
  readonly tid: string;
  /** The record the append builds on (`undefined`: the workflow has none yet). */
  readonly before: KnownRecord | undefined;
  readonly expectedSeq: number;
  /** The history chunk of the append's events, stored under `[tid, expectedSeq + 1]`. */
  readonly chunk: Buffer;
  /** The record after the append: `before` itself when its content stays as it was. */
  readonly after: KnownRecord;
  /** The frame of `after`, when it must be written; `undefined` when `after` is `before`. */
  readonly recordFrame: Buffer | undefined;
  /** Whether the visibility row gains, loses or changes an index entry (or the active set). */
  readonly changesRow: boolean;
  /**
   * Whether the next record holds no object of `events` (every object in its summary was
   * already in the one before), so it can be kept after the caller changes its events.
   */
  readonly ownsObjects: boolean;
}

/** The plan of appending `events` (already checked, with their chunk) on top of `before`. */
export function planAppend(
  tid: string,
  before: KnownRecord | undefined,
  expectedSeq: number,
  events: readonly WorkflowEvent[],
  chunk: Buffer,
): AppendPlan {
  if (before && leavesProjection(before, events)) return unchangedRecord(tid, before, expectedSeq, chunk);
  // projectEvents copies what it changes: `before` stays as it was.
  const next = projectEvents(before ?? EMPTY_PROJECTION, events);
  const summaryBefore = before?.summary;
  const sameSummary =
    next.summary === undefined
      ? summaryBefore === undefined
      : summaryBefore !== undefined && sameButLength(summaryBefore, next.summary);
  if (before && sameSummary && next.timers === before.timers) {
    return unchangedRecord(tid, before, expectedSeq, chunk);
  }
  const after: KnownRecord = before && sameSummary ? { summary: summaryBefore, timers: next.timers } : next;
  return {
    tid,
    before,
    expectedSeq,
    chunk,
    after,
    recordFrame: encodeFrame(JSON.stringify(storedRecord(after, expectedSeq + events.length))),
    changesRow: !sameRow(summaryBefore, after.summary),
    ownsObjects: ownsObjects(summaryBefore, after.summary),
  };
}

/** The plan of an append that leaves the record as it is: its events' chunk alone. */
function unchangedRecord(tid: string, before: KnownRecord, expectedSeq: number, chunk: Buffer): AppendPlan {
  return {
    tid,
    before,
    expectedSeq,
    chunk,
    after: before,
    recordFrame: undefined,
    changesRow: false,
    ownsObjects: true,
  };
}

function withoutLength(summary: WorkflowSummary): StoredSummary {
  const { historyLength: _, ...stored } = summary;
  return stored;
}

function sameRow(before: WorkflowSummary | undefined, after: WorkflowSummary | undefined): boolean {
  if (!before || !after) return before === after;
  return sameIndexedFields(before, after);
}

/** Whether `after` differs from `before` in `historyLength` at most (same keys, same values). */
function sameButLength(before: WorkflowSummary, after: WorkflowSummary): boolean {
  const a = before as unknown as Record<string, unknown>;
  const b = after as unknown as Record<string, unknown>;
  let keys = 0;
  for (const key in b) {
    keys++;
    if (key !== 'historyLength' && a[key] !== b[key]) return false;
  }
  for (const _ in a) keys--;
  return keys === 0;
}

function ownsObjects(before: WorkflowSummary | undefined, after: WorkflowSummary | undefined): boolean {
  if (!after) return true;
  const a = before as unknown as Record<string, unknown> | undefined;
  const b = after as unknown as Record<string, unknown>;
  for (const key in b) {
    const value = b[key];
    if (typeof value === 'object' && value !== null && a?.[key] !== value) return false;
  }
  return true;
}

/** `put` with lmdb-js's `noOverwrite` (MDB_NOOVERWRITE), which its typings leave out. */
type PutIfAbsent = (key: Key, value: Buffer, options: { readonly noOverwrite: true }) => Promise<boolean>;
const NO_OVERWRITE = { noOverwrite: true } as const;

/**
 * Issues a plan as one conditional write: lmdb-js's writer thread applies all of its writes, or
 * none when the history already has the key `[tid, expectedSeq + 1]`, inside its commit, and
 * resolves whether it did. An append that leaves the record as it is (whatever its number of
 * events) is one `put` of its chunk that fails on an existing key; one that changes the record
 * (and so maybe index entries, the active set, timers) is an `ifNoExists` block.
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
  asFrameWriter(dbs.workflows).put(tid, plan.recordFrame);
  if (plan.changesRow) writeRow(dbs, tid, before?.summary, after.summary);
  writeTimers(dbs, tid, before?.timers ?? EMPTY_PROJECTION.timers, after.timers);
}

function writeRow(
  dbs: Databases,
  tid: string,
  before: StoredSummary | undefined,
  after: StoredSummary | undefined,
) {
  const { removed, added } = diffEntries(before ?? null, after ?? null);
  for (const entry of removed) {
    dbs.indexes[entry.index].remove(entryKey(entry, negated((before as StoredSummary).createdAt), tid));
  }
  for (const entry of added) {
    dbs.indexes[entry.index].put(entryKey(entry, negated((after as StoredSummary).createdAt), tid), EMPTY);
  }
  const wasActive = before?.status === 'Running';
  const isActive = after?.status === 'Running';
  if (isActive && !wasActive) dbs.active.put(tid, EMPTY);
  if (wasActive && !isActive) dbs.active.remove(tid);
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
