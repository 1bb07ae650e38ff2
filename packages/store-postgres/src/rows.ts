import {
  StoreCorruption,
  type WorkflowEvent,
  type WorkflowProjection,
  type WorkflowSummary,
} from '@reprise/core';
import { storedEventProblem, storedSummaryProblem } from '@reprise/core/internal';

/** How a stored record is named in `StoreCorruption`: the table and its key, as JSON. */
export const describeRecord = (table: string, key: readonly unknown[]): string =>
  `${table} ${JSON.stringify(key.length === 1 ? key[0] : key)}`;

/** The JSON of a stored value, or `StoreCorruption` naming it. */
function parse(text: string, where: () => string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new StoreCorruption(where(), 'value is not JSON', { cause: error });
  }
}

/**
 * An event read from `events` at `[workflowId, seq]`: the event it must be, with that seq and
 * workflow id (core's `storedEventProblem`). Replay trusts what it reads, so anything else is
 * damage, reported as `StoreCorruption` naming the row.
 */
export function storedEvent(body: string, workflowId: string, seq: number): WorkflowEvent {
  const where = () => describeRecord('events', [workflowId, seq]);
  const value = parse(body, where) as Partial<WorkflowEvent> | null;
  if (value?.seq !== seq || value.workflowId !== workflowId) {
    throw new StoreCorruption(where(), `holds ${JSON.stringify([value?.workflowId, value?.seq])}`);
  }
  const problem = storedEventProblem(value);
  if (problem !== undefined) throw new StoreCorruption(where(), `not an event: ${problem}`);
  return value as WorkflowEvent;
}

/** A stored summary: the visibility row without `historyLength`, which is the row's `last_seq`. */
export type StoredSummary = Omit<WorkflowSummary, 'historyLength'>;

/** The visibility row of a `workflows` row, or `StoreCorruption` naming it. */
export function storedSummary(text: string, workflowId: string, lastSeq: number): WorkflowSummary {
  const where = () => describeRecord('workflows', [workflowId]);
  const summary = parse(text, where);
  const problem = storedSummaryProblem(summary, workflowId);
  if (problem !== undefined) throw new StoreCorruption(where(), `is not a workflow row: ${problem}`);
  return Object.assign(summary as StoredSummary, { historyLength: lastSeq });
}

/** The projection kept in a `workflows` row (summary and timers), or `StoreCorruption` naming it. */
export function storedProjection(
  summary: string | null,
  timers: string,
  workflowId: string,
  lastSeq: number,
): WorkflowProjection {
  const where = () => describeRecord('workflows', [workflowId]);
  const pending = parse(timers, where);
  if (
    !Array.isArray(pending) ||
    !pending.every(
      (entry) =>
        Array.isArray(entry) &&
        typeof entry[0] === 'string' &&
        Number.isFinite(entry[1]) &&
        entry.length === 2,
    )
  ) {
    throw new StoreCorruption(where(), 'its timers are not [[timerId, fireAt], ...]');
  }
  return {
    summary: summary === null ? undefined : storedSummary(summary, workflowId, lastSeq),
    timers: new Map(pending as [string, number][]),
  };
}

/** A summary as stored: without `historyLength`. */
export function summaryText(summary: WorkflowSummary): string {
  const { historyLength: _, ...stored } = summary;
  return JSON.stringify(stored);
}
