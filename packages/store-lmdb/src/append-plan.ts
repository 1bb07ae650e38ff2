import {
  EMPTY_PROJECTION,
  projectEvents,
  type WorkflowEvent,
  type WorkflowProjection,
  type WorkflowSummary,
} from '@reprise/core';
import type { Key } from 'lmdb';
import { encodeFrame } from './frame.js';
import { toKeyText } from './key-text.js';
import { type Databases, EMPTY, negated, type WorkflowRecord } from './layout.js';
import { countKey, diffEntries, entryKey, sameIndexedFields } from './visibility-index.js';

/**
 * A committed workflow record as the append path keeps it: the record, its timers as a map, and
 * the JSON of the parts that most appends leave as they are, so the next record's frame is
 * mostly concatenation.
 */
export interface KnownRecord {
  readonly record: WorkflowRecord;
  readonly timers: ReadonlyMap<string, number>;
  /** The summary's JSON without `historyLength` and without its closing brace. */
  readonly summaryHead: string | undefined;
  readonly timersJson: string;
}

/** The known form of a record read from the store. */
export const knownRecord = (record: WorkflowRecord): KnownRecord => ({
  record,
  timers: new Map(record.timers),
  summaryHead: undefined,
  timersJson: JSON.stringify(record.timers),
});

/**
 * What one append writes, computed from the record it builds on: the events' frames, the next
 * record, and the changes to the timer index and (when the row's indexed fields change) to the
 * visibility indexes, their counts and the active set.
 */
export interface AppendPlan {
  readonly tid: string;
  /** The record the append builds on (`undefined`: the workflow has none yet). */
  readonly before: KnownRecord | undefined;
  readonly expectedSeq: number;
  readonly frames: readonly string[];
  readonly after: KnownRecord;
  readonly recordFrame: string;
  /**
   * Whether the visibility row gains, loses or changes an index entry. Such an append also
   * changes `counts` (read, then written), so it must run inside the write transaction; any
   * other append is a conditional write on the record's version alone.
   */
  readonly changesRow: boolean;
  /**
   * Whether the next record holds no object of `events` (every object in its summary was
   * already in the one before), so it can be kept after the caller changes its events.
   */
  readonly ownsObjects: boolean;
}

/** The plan of appending `events` (already checked, with their frames) on top of `before`. */
export function planAppend(
  tid: string,
  before: KnownRecord | undefined,
  expectedSeq: number,
  events: readonly WorkflowEvent[],
  frames: readonly string[],
): AppendPlan {
  const previous: WorkflowProjection = before
    ? { summary: before.record.summary ?? undefined, timers: before.timers }
    : EMPTY_PROJECTION;
  const next = projectEvents(previous, events);
  const lastSeq = expectedSeq + frames.length;
  const summary = next.summary ?? null;
  const summaryBefore = before?.record.summary ?? null;
  const summaryHead =
    summary === null
      ? undefined
      : before?.summaryHead !== undefined && summaryBefore && sameButLength(summaryBefore, summary)
        ? before.summaryHead
        : JSON.stringify({ ...summary, historyLength: undefined }).slice(0, -1);
  const timersJson =
    before && next.timers === before.timers ? before.timersJson : JSON.stringify([...next.timers]);
  const summaryJson = summaryHead === undefined ? 'null' : `${summaryHead},"historyLength":${lastSeq}}`;
  const after: KnownRecord = {
    record: { lastSeq, summary, timers: [...next.timers] },
    timers: next.timers,
    summaryHead,
    timersJson,
  };
  return {
    tid,
    before,
    expectedSeq,
    frames,
    after,
    recordFrame: encodeFrame(`{"lastSeq":${lastSeq},"summary":${summaryJson},"timers":${timersJson}}`),
    changesRow: !sameRow(summaryBefore, summary),
    ownsObjects: ownsObjects(summaryBefore, summary),
  };
}

function sameRow(before: WorkflowSummary | null, after: WorkflowSummary | null): boolean {
  if (!before || !after) return before === after;
  return sameIndexedFields(before, after);
}

/** Whether two summaries differ in `historyLength` at most (same keys, same values). */
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

function ownsObjects(before: WorkflowSummary | null, after: WorkflowSummary | null): boolean {
  if (!after) return true;
  const a = before as unknown as Record<string, unknown> | null;
  const b = after as unknown as Record<string, unknown>;
  for (const key in b) {
    const value = b[key];
    if (typeof value === 'object' && value !== null && a?.[key] !== value) return false;
  }
  return true;
}

/**
 * Issues every write of a plan. Inside a write transaction they apply at once; inside an
 * `ifVersion` block they are queued and applied, all or none, by lmdb-js's writer thread.
 * Counts are read here, so a plan that `changesRow` must only be written in a transaction.
 */
export function writePlan(dbs: Databases, plan: AppendPlan): void {
  const { tid, expectedSeq, frames, before, after } = plan;
  for (let index = 0; index < frames.length; index++) {
    dbs.history.put([tid, expectedSeq + index + 1], frames[index] as string);
  }
  dbs.workflows.put(tid, plan.recordFrame, after.record.lastSeq);
  if (plan.changesRow) writeRow(dbs, tid, before?.record.summary ?? null, after.record.summary);
  writeTimers(dbs, tid, before?.timers ?? EMPTY_PROJECTION.timers, after.timers);
}

function writeRow(
  dbs: Databases,
  tid: string,
  before: WorkflowSummary | null,
  after: WorkflowSummary | null,
) {
  const { removed, added } = diffEntries(before, after);
  for (const entry of removed) {
    dbs.indexes[entry.index].remove(entryKey(entry, negated((before as WorkflowSummary).createdAt), tid));
    bumpCount(dbs, countKey(entry.index, entry.value), -1);
  }
  for (const entry of added) {
    dbs.indexes[entry.index].put(entryKey(entry, negated((after as WorkflowSummary).createdAt), tid), EMPTY);
    bumpCount(dbs, countKey(entry.index, entry.value), 1);
  }
  const wasActive = before?.status === 'Running';
  const isActive = after?.status === 'Running';
  if (isActive && !wasActive) dbs.active.put(tid, EMPTY);
  if (wasActive && !isActive) dbs.active.remove(tid);
}

function bumpCount(dbs: Databases, key: Key, delta: number): void {
  const count = (dbs.counts.get(key) ?? 0) + delta;
  if (count > 0) dbs.counts.put(key, count);
  else dbs.counts.remove(key);
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
