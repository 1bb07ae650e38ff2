import {
  EMPTY_PROJECTION,
  type JsonValue,
  projectEvents,
  type RunBacklog,
  type WorkflowProjection,
} from '@reprise/core';
import { jsonEqual } from '@reprise/core/internal';
import { checkStoredEvent, decodeChunk } from './frame.js';
import { chunkEvents, rowAt } from './history-chunks.js';
import { fromKeyText, toKeyText } from './key-text.js';
import {
  type Databases,
  describeKey,
  describeRecord,
  INDEX_NAMES,
  negated,
  RECORD_SEQ,
  type WorkflowRecord,
} from './layout.js';
import { entryKey, indexEntriesOf } from './visibility-index.js';

/** What `verify()` found. */
export interface IntegrityReport {
  /** Workflow ids with a record. */
  readonly workflows: number;
  /** Events in all histories. */
  readonly events: number;
  /** Each disagreement found, in words (at most 100); empty when the store is consistent. */
  readonly problems: readonly string[];
}

const MAX_PROBLEMS = 100;

/**
 * Recomputes what the store derives from histories and compares it with what it holds. Reads
 * everything synchronously (one snapshot).
 */
export function checkIntegrity(
  dbs: Databases,
  readRecord: (tid: string) => WorkflowRecord | undefined,
): IntegrityReport {
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(text);
  };
  const wantIndexes = new Map<string, Set<string>>(INDEX_NAMES.map((name) => [name, new Set()]));
  const wantTimers = new Set<string>();
  let workflows = 0;
  let events = 0;

  // Histories, grouped by workflow, replayed into projections.
  let current:
    | {
        tid: string;
        projection: WorkflowProjection;
        seq: number;
        ends: Set<number>;
        /** The backlog the last chunk carries, if it carries one. */
        backlog: RunBacklog | undefined;
      }
    | undefined;
  const finish = () => {
    if (!current) return;
    const { tid, projection, seq, ends, backlog } = current;
    let record: WorkflowRecord | undefined;
    try {
      record = readRecord(tid);
    } catch (error) {
      problem(String(error));
      return;
    }
    if (!record) {
      problem(`${describeRecord(fromKeyText(tid))} is missing, its history has ${seq} events`);
      return;
    }
    // The stored row's historyLength is the history's last key, so it cannot disagree with it;
    // its backlog is the last chunk's when that carries one (`history-chunks.ts`).
    const summary = projection.summary ?? null;
    const stored = record.summary && rowAt({ ...record.summary }, { lastSeq: seq, backlog });
    if (!jsonEqual(toJson(stored), toJson(summary))) {
      problem(`${describeRecord(fromKeyText(tid))}: summary differs from the projection of its history`);
    }
    // A record's head is where a chunk ended: else a row's historyLength would stop short.
    if (record.head !== undefined && !ends.has(record.head)) {
      problem(
        `${describeRecord(fromKeyText(tid))}: head ${record.head} is not where a chunk of its history ends`,
      );
    }
    if (!jsonEqual(toJson(record.timers), toJson([...projection.timers]))) {
      problem(`${describeRecord(fromKeyText(tid))}: timers differ from the projection of its history`);
    }
    if (summary) {
      for (const entry of indexEntriesOf(summary)) {
        wantIndexes.get(entry.index)?.add(JSON.stringify(entryKey(entry, negated(summary.createdAt), tid)));
      }
    }
    for (const [timerId, fireAt] of projection.timers)
      wantTimers.add(JSON.stringify([fireAt, tid, toKeyText(timerId)]));
  };
  for (const { key, value } of dbs.historyBytes.getRange({})) {
    const [tid, firstSeq] = key as [string, number];
    if (firstSeq === RECORD_SEQ) {
      // A record: its chunks follow (and `finish` reads it); one with none is left over.
      if (!dbs.history.doesExist([tid, 1])) problem(`${describeRecord(fromKeyText(tid))} has no history`);
      continue;
    }
    if (current?.tid !== tid) {
      finish();
      workflows++;
      current = { tid, projection: EMPTY_PROJECTION, seq: 0, ends: new Set(), backlog: undefined };
    }
    const workflowId = fromKeyText(tid);
    if (firstSeq !== current.seq + 1)
      problem(`${describeKey('history', [workflowId, firstSeq])} follows seq ${current.seq}`);
    try {
      const chunk = decodeChunk(value, firstSeq, () => describeKey('history', [workflowId, firstSeq]));
      const chunkOf = chunkEvents(workflowId, firstSeq, chunk.lastSeq, chunk.events).map((event, index) =>
        checkStoredEvent(event, workflowId, firstSeq + index),
      );
      current.projection = projectEvents(current.projection, chunkOf);
      // A chunk's backlog is the open run's after its events.
      const projected = current.projection.summary;
      if (
        chunk.backlog !== undefined &&
        !jsonEqual(toJson(chunk.backlog), toJson(projected?.status === 'Running' ? projected.backlog : null))
      ) {
        problem(
          `${describeKey('history', [workflowId, firstSeq])}: backlog differs from the projection of its history`,
        );
      }
      current.backlog = chunk.backlog;
      current.seq = chunk.lastSeq;
      current.ends.add(chunk.lastSeq);
      events += chunkOf.length;
    } catch (error) {
      problem(String(error));
      current.seq = firstSeq;
    }
  }
  finish();

  const compare = (name: string, want: Set<string>, keys: Iterable<unknown>) => {
    const seen = new Set<string>();
    for (const key of keys) {
      const id = JSON.stringify(key);
      seen.add(id);
      if (!want.has(id)) problem(`${name} holds ${id}, which no history projects`);
    }
    for (const id of want) if (!seen.has(id)) problem(`${name} lacks ${id}`);
  };
  compare('timers', wantTimers, dbs.timers.getKeys({}));
  for (const name of INDEX_NAMES)
    compare(name, wantIndexes.get(name) ?? new Set(), dbs.indexes[name].getKeys({}));
  return { workflows, events, problems };
}

const toJson = (value: unknown): JsonValue => JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
