import {
  type NonDeterminismError,
  type RunId,
  type TerminalOutcome,
  UnknownWorkflowTypeError,
  type WorkflowEvent,
} from '@reprise/core';
import { type AnyWorkflowDefinition, type ExecutionOutcome, replayVerdict } from '@reprise/core/internal';

export { type AnyWorkflowDefinition, describeOutcome } from '@reprise/core/internal';

/** Where a replay left the recorded history. */
export interface Divergence {
  readonly runId: RunId;
  readonly error: NonDeterminismError;
  /** The seq of the event the divergence is at; `undefined` when it is past the last event. */
  readonly seq: number | undefined;
}

/** One run brought back by replay. */
export interface ReplayedRun {
  readonly runId: RunId;
  readonly workflowType: string;
  /** How the run ended in history; `undefined` while it is open. */
  readonly recordedOutcome: TerminalOutcome | undefined;
  /** How the replayed code ended; `undefined` while it still waits on something. */
  readonly replayedOutcome: ExecutionOutcome | undefined;
}

/** What replaying one workflow id's history found. */
export interface HistoryReplay {
  /** The runs before the first divergence. */
  readonly runs: readonly ReplayedRun[];
  /** The first divergence, if any. */
  readonly divergence?: Divergence;
}

/**
 * Replays every run of one workflow id's history with the given code, and says where (if
 * anywhere) the code first diverges from what was recorded: core's `replayVerdict`, whose
 * rules `reprise replay` applies too. Throws `UnknownWorkflowTypeError` for a run of a type
 * not given: a test replays the code it means to deploy, which must know every type.
 */
export async function replayWorkflowHistory(
  workflows: ReadonlyMap<string, AnyWorkflowDefinition>,
  history: readonly WorkflowEvent[],
): Promise<HistoryReplay> {
  const runs: ReplayedRun[] = [];
  for (const run of await replayVerdict(workflows, history)) {
    if (run.verdict === 'unknownType') throw new UnknownWorkflowTypeError(run.workflowType);
    if (run.verdict === 'diverged') {
      return { runs, divergence: { runId: run.runId, error: run.error, seq: run.error.seq } };
    }
    const { runId, workflowType, recordedOutcome, replayedOutcome } = run;
    runs.push({ runId, workflowType, recordedOutcome, replayedOutcome });
  }
  return { runs };
}
