/**
 * The outcomes of the runs this process closed last, so that `result()` on a run that has just
 * closed (a client that started a burst of runs and then asks each for its result) answers from
 * memory instead of reading and decoding the workflow's whole history.
 *
 * Bounded: at most `MAX_CLOSED_OUTCOMES` workflows and about `MAX_CLOSED_OUTCOME_BYTES` of
 * outcomes as JSON (the oldest close forgotten first), and none larger than `MAX_OUTCOME_BYTES`,
 * so that it holds a few MB at most whatever the payloads. An outcome is forgotten as soon as it may no longer be the
 * workflow's latest: a new run of the id enters the run table, the workflow is quarantined, its
 * shard moves to another engine, or retention deletes it.
 */
import type { TerminalOutcome, WorkflowId } from '@reprise/core';

export const MAX_CLOSED_OUTCOMES = 10_000;
export const MAX_CLOSED_OUTCOME_BYTES = 4 * 1024 * 1024;
export const MAX_OUTCOME_BYTES = 16 * 1024;

interface Remembered {
  readonly outcome: TerminalOutcome;
  readonly bytes: number;
}

export class ClosedOutcomes {
  /** In order of closing, oldest first (a Map keeps insertion order). */
  readonly #outcomes = new Map<WorkflowId, Remembered>();
  #bytes = 0;

  get(workflowId: WorkflowId): TerminalOutcome | undefined {
    return this.#outcomes.get(workflowId)?.outcome;
  }

  /** Keeps the outcome of a run that has just closed, if it is small enough. */
  remember(workflowId: WorkflowId, outcome: TerminalOutcome): void {
    this.forget(workflowId);
    if (outcome.status === 'ContinuedAsNew') return;
    const bytes = sizeWithin(outcome, MAX_OUTCOME_BYTES);
    if (bytes > MAX_OUTCOME_BYTES) return;
    this.#outcomes.set(workflowId, { outcome, bytes });
    this.#bytes += bytes;
    while (this.#outcomes.size > MAX_CLOSED_OUTCOMES || this.#bytes > MAX_CLOSED_OUTCOME_BYTES) {
      this.forget(this.#outcomes.keys().next().value as WorkflowId);
    }
  }

  forget(workflowId: WorkflowId): void {
    const remembered = this.#outcomes.get(workflowId);
    if (remembered === undefined) return;
    this.#outcomes.delete(workflowId);
    this.#bytes -= remembered.bytes;
  }

  forgetAll(workflowIds: Iterable<WorkflowId>): void {
    for (const workflowId of workflowIds) this.forget(workflowId);
  }

  forgetWhere(test: (workflowId: WorkflowId) => boolean): void {
    // A Map may lose the entry at hand while it is iterated: no copy of the keys.
    for (const workflowId of this.#outcomes.keys()) if (test(workflowId)) this.forget(workflowId);
  }

  /** How many outcomes it holds, and about how many bytes of JSON they take. */
  get held(): { readonly count: number; readonly bytes: number } {
    return { count: this.#outcomes.size, bytes: this.#bytes };
  }
}

/**
 * About how many bytes `value` takes as JSON, or some number over `budget`: it stops walking
 * once over, so a large payload costs no more than a small one. Strings count their UTF-16
 * units (an estimate: the bound is on memory, not on the encoding).
 */
function sizeWithin(value: unknown, budget: number): number {
  if (typeof value === 'string') return value.length + 2;
  if (typeof value !== 'object' || value === null) return 8;
  let size = 2;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length && size <= budget; index++)
      size += sizeWithin(value[index], budget - size) + 1;
    return size;
  }
  for (const key in value) {
    if (size > budget) break;
    size += key.length + 4 + sizeWithin((value as Record<string, unknown>)[key], budget - size);
  }
  return size;
}
