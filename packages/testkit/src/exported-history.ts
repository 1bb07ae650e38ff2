import {
  asWorkflowId,
  type EventStore,
  InvalidArgumentError,
  type WorkflowEvent,
  WorkflowNotFoundError,
} from '@reprise/core';
import { encodeEventBatch } from '@reprise/core/internal';

/** The format tag of an exported history. */
export const EXPORTED_HISTORY_FORMAT = 'reprise.history';

/** One workflow id's history as exported: plain JSON, to keep as a file and replay anywhere. */
export interface ExportedHistory {
  /** Always `EXPORTED_HISTORY_FORMAT`: tells an exported history from other JSON. */
  readonly format: typeof EXPORTED_HISTORY_FORMAT;
  /** The layout of this object; a new one gets a new number. */
  readonly version: 1;
  /** The workflow whose history this is. */
  readonly workflowId: string;
  /** Every event of every run, in seq order. */
  readonly events: readonly WorkflowEvent[];
}

/**
 * Exports the whole history of a workflow id (every run) from a store, as JSON-able data:
 * `JSON.stringify` it to a file, and `replayHistories` it against new code. Throws
 * `WorkflowNotFoundError` for an id the store has no events for.
 */
export async function exportHistory(store: EventStore, workflowId: string): Promise<ExportedHistory> {
  const events = await store.readHistory(asWorkflowId(workflowId));
  if (events.length === 0) throw new WorkflowNotFoundError(workflowId);
  return { format: EXPORTED_HISTORY_FORMAT, version: 1, workflowId, events };
}

/**
 * Reads a history back from parsed JSON: an `ExportedHistory`, or a bare array of events (as
 * `handle.history()` returns). Each event is checked as a store would check it (known type,
 * fields, contiguous seqs from 1, one workflow id); anything else is refused with
 * `InvalidArgumentError` or `InvalidEventError`.
 */
export function readExportedHistory(json: unknown): ExportedHistory {
  const events = Array.isArray(json) ? json : (json as { events?: unknown } | null)?.events;
  if (!Array.isArray(json)) {
    const candidate = json as { format?: unknown; version?: unknown } | null;
    if (candidate?.format !== EXPORTED_HISTORY_FORMAT || candidate.version !== 1) {
      throw new InvalidArgumentError(
        'history',
        `expected an exported history (format ${JSON.stringify(EXPORTED_HISTORY_FORMAT)}, version 1) or an array of events`,
      );
    }
  }
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidArgumentError('history', 'has no events');
  }
  const workflowId = (events[0] as { workflowId?: unknown } | null)?.workflowId;
  if (typeof workflowId !== 'string')
    throw new InvalidArgumentError('history', 'its first event has no workflowId');
  encodeEventBatch(events as WorkflowEvent[], { workflowId, expectedSeq: 0 });
  return { format: EXPORTED_HISTORY_FORMAT, version: 1, workflowId, events: events as WorkflowEvent[] };
}
