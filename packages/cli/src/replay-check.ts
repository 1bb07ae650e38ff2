import {
  type EventOf,
  NonDeterminismError,
  runSegment,
  type WorkflowDefinition,
  type WorkflowEvent,
} from '@reprise/core';
import { executionInitFromStart, isCommandEvent, jsonEqual, replayRun } from '@reprise/core/internal';

/** The verdict on one run of a history, replayed against the code of a module. */
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
      /** The seq of the recorded event at that position, if history had one. */
      readonly seq?: number;
      readonly recorded?: string;
      readonly requested?: string;
      readonly message: string;
    }
);

/**
 * Replays every run of a workflow's history with the module's code, through core's replay
 * interpreter (no activity runs, no timer waits, nothing is written). A run diverges when the
 * code asks for other commands than the ones recorded (position and seq say where), or when it
 * ends otherwise than the recorded Completed or Failed.
 */
export async function replayHistory(
  // biome-ignore lint/suspicious/noExplicitAny: definitions of any input and output types
  workflows: ReadonlyMap<string, WorkflowDefinition<any, any>>,
  history: readonly WorkflowEvent[],
): Promise<RunReplayResult[]> {
  const results: RunReplayResult[] = [];
  const starts = history.filter(
    (event): event is EventOf<'WorkflowStarted'> => event.type === 'WorkflowStarted',
  );
  for (const started of starts) {
    const base = { workflowId: started.workflowId, runId: started.runId, workflowType: started.workflowType };
    const definition = workflows.get(started.workflowType);
    if (!definition) {
      results.push({ ...base, verdict: 'skipped' });
      continue;
    }
    const segment = runSegment(history, started.runId);
    try {
      const replayed = await replayRun(executionInitFromStart(started, definition), segment);
      const recorded = replayed.recordedOutcome;
      const ended = replayed.execution.outcome;
      if (recorded && (recorded.status === 'Completed' || recorded.status === 'Failed')) {
        const same =
          ended?.status === recorded.status &&
          (ended.status !== 'Completed' ||
            recorded.status !== 'Completed' ||
            jsonEqual(ended.result, recorded.result));
        if (!same) {
          const commands = segment.filter(isCommandEvent).length;
          results.push({
            ...base,
            verdict: 'diverged',
            position: commands,
            recorded: `${recorded.status}`,
            requested: ended ? ended.status : 'more work (the code did not finish)',
            message: `the run was recorded ${recorded.status}, but the code ${ended ? `ended ${ended.status}` : 'did not finish'} on replay`,
          });
          continue;
        }
      }
      results.push({ ...base, verdict: 'ok' });
    } catch (error) {
      if (!(error instanceof NonDeterminismError)) throw error;
      const seq = segment.filter(isCommandEvent)[error.position]?.seq;
      results.push({
        ...base,
        verdict: 'diverged',
        position: error.position,
        ...(seq === undefined ? {} : { seq }),
        ...(error.recorded === undefined ? {} : { recorded: error.recorded }),
        ...(error.requested === undefined ? {} : { requested: error.requested }),
        message: error.message,
      });
    }
  }
  return results;
}
