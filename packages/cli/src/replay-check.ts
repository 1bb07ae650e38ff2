import type { WorkflowEvent } from '@reprise/core';
import { type AnyWorkflowDefinition, replayVerdict } from '@reprise/core/internal';

/** The verdict on one run of a history, replayed against the code of a module (`--json` prints these). */
export type RunReplayResult = {
  readonly workflowId: string;
  readonly runId: string;
  readonly workflowType: string;
} & (
  | { readonly verdict: 'ok' }
  /** The module has no workflow of this type. */
  | { readonly verdict: 'skipped' }
  | {
      readonly verdict: 'diverged';
      /** The 0-based command position where the code and the history part. */
      readonly position: number;
      /** The seq of the recorded event where they part, if history has one there. */
      readonly seq?: number;
      readonly recorded?: string;
      readonly requested?: string;
      readonly message: string;
    }
);

/**
 * Replays every run of a workflow's history with the module's code: core's `replayVerdict`,
 * the rules `replayHistories` applies too. A run of a type the module does not define is
 * skipped, not failed: one data directory may hold the workflows of several modules.
 */
export async function replayHistory(
  workflows: ReadonlyMap<string, AnyWorkflowDefinition>,
  history: readonly WorkflowEvent[],
): Promise<RunReplayResult[]> {
  return (await replayVerdict(workflows, history)).map((run): RunReplayResult => {
    const base = { workflowId: run.workflowId, runId: run.runId, workflowType: run.workflowType };
    if (run.verdict === 'ok') return { ...base, verdict: 'ok' };
    if (run.verdict === 'unknownType') return { ...base, verdict: 'skipped' };
    const { position, seq, recorded, requested, message } = run.error;
    return {
      ...base,
      verdict: 'diverged',
      position,
      ...(seq === undefined ? {} : { seq }),
      ...(recorded === undefined ? {} : { recorded }),
      ...(requested === undefined ? {} : { requested }),
      message,
    };
  });
}
