import type { WorkflowSummary } from '@reprise/core';
import { headSeq } from './history-chunks.js';
import { toKeyText } from './key-text.js';
import { AFTER_ALL, type Databases, recordKey, type WorkflowRecord } from './layout.js';
import { writeIndexChanges } from './visibility-index.js';

/**
 * Deletes one chosen workflow inside the caller's write transaction, if it is still as it was
 * chosen: its record says the same closed row, and its history has not grown. Removes its
 * history (every run), its index entries (its open-run entry among them) and timers (a closed run has none,
 * removed anyway) and its record. Returns whether it deleted it. Everything goes in the
 * caller's transaction, so a crash leaves the workflow whole or gone.
 */
export function deleteClosedWorkflow(
  dbs: Databases,
  tid: string,
  chosen: WorkflowSummary,
  readRecord: (tid: string) => WorkflowRecord | undefined,
): boolean {
  const record = readRecord(tid);
  const summary = record?.summary;
  if (!record || !summary) return false;
  if (
    summary.status === 'Running' ||
    summary.closedAt !== chosen.closedAt ||
    summary.runId !== chosen.runId
  ) {
    return false;
  }
  const head = headSeq(dbs.history, tid);
  if (head !== chosen.historyLength) return false;
  // The record (`[tid, RECORD_SEQ]`) and every chunk.
  const keys = [...dbs.history.getKeys({ start: recordKey(tid), end: [tid, AFTER_ALL] })];
  for (const key of keys) dbs.history.remove(key);
  writeIndexChanges(dbs.index, tid, summary, undefined);
  for (const [timerId, fireAt] of record.timers) dbs.timers.remove([fireAt, tid, toKeyText(timerId)]);
  return true;
}
