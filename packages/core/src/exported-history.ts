/**
 * The exported-history format: one workflow id's history as a JSON document, what
 * `reprise export` writes and `reprise replay --workflows`, the testkit's `replayHistories` and
 * `readHistoryFiles` read. One format, defined here, for every reader and writer.
 *
 * ```json
 * { "format": "reprise.history", "version": 1, "workflowId": "order-1", "events": [ ... ] }
 * ```
 *
 * `events` are the history's events exactly as the store holds them (every run of the id, in
 * seq order, envelope included: `seq` from 1, `recordedAt`, `workflowId`). `version` names the
 * layout of this object; a change of layout gets a new number, and readers refuse numbers they
 * do not know. Readers also take a bare array of events (what `handle.history()` returns).
 */
import { InvalidArgumentError } from './errors.js';
import { encodeEventBatch } from './event-validation.js';
import type { WorkflowEvent } from './events.js';

/** The format tag of an exported history. */
export const EXPORTED_HISTORY_FORMAT = 'reprise.history';

/** The layout version this code writes and reads. */
export const EXPORTED_HISTORY_VERSION = 1;

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

/** A history (every event of one workflow id, as read from a store) in the exported format. */
export function toExportedHistory(events: readonly WorkflowEvent[]): ExportedHistory {
  const first = events[0];
  if (!first) throw new InvalidArgumentError('history', 'has no events');
  return {
    format: EXPORTED_HISTORY_FORMAT,
    version: EXPORTED_HISTORY_VERSION,
    workflowId: first.workflowId,
    events,
  };
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
    if (candidate?.format !== EXPORTED_HISTORY_FORMAT || candidate.version !== EXPORTED_HISTORY_VERSION) {
      throw new InvalidArgumentError(
        'history',
        `expected an exported history (format ${JSON.stringify(EXPORTED_HISTORY_FORMAT)}, version ${EXPORTED_HISTORY_VERSION}) or an array of events`,
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
  return {
    format: EXPORTED_HISTORY_FORMAT,
    version: EXPORTED_HISTORY_VERSION,
    workflowId,
    events: events as WorkflowEvent[],
  };
}

/**
 * The histories a JSON document holds: one exported history, a bare array of events, or an
 * array of exported histories (as a file of several). Each is checked by `readExportedHistory`.
 */
export function readExportedHistories(json: unknown): ExportedHistory[] {
  if (
    Array.isArray(json) &&
    json.length > 0 &&
    (json[0] as { format?: unknown } | null)?.format !== undefined
  ) {
    return json.map(readExportedHistory);
  }
  return [readExportedHistory(json)];
}
