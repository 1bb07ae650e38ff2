import {
  type ErrorData,
  type EventOf,
  NonDeterminismError,
  type RunId,
  type TerminalOutcome,
  UnknownWorkflowTypeError,
  type WorkflowDefinition,
  type WorkflowEvent,
} from '@reprise/core';
import {
  type Command,
  commandEvent,
  describeCommandEvent,
  type ExecutionOutcome,
  executionInitFromStart,
  isCommandEvent,
  replayRun,
  terminalOutcomeOfEvent,
} from '@reprise/core/internal';
import { briefError, briefJson } from './timeline.js';

/** A workflow definition of any input and output types, as lists of workflows take them. */
// biome-ignore lint/suspicious/noExplicitAny: definitions of any input and output types are accepted
export type AnyWorkflowDefinition = WorkflowDefinition<any, any>;

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
  readonly runs: readonly ReplayedRun[];
  /** The first divergence, if any; runs after it are not replayed. */
  readonly divergence?: Divergence;
}

/**
 * Replays every run of one workflow id's history with the given code, and says where (if
 * anywhere) the code diverges from what was recorded. Besides the commands `replayRun`
 * matches, it holds the code to the end of each run:
 * - a closed run's code must end as recorded (same status, result, error name and message,
 *   continue-as-new input), unless the run was closed from outside (timed out, terminated);
 * - the code must ask for nothing more than the history holds, except in a run whose history
 *   is only its start (the engine records the first commands in an append of their own).
 * Throws `UnknownWorkflowTypeError` for a run of a type not given.
 */
export async function replayWorkflowHistory(
  workflows: ReadonlyMap<string, AnyWorkflowDefinition>,
  history: readonly WorkflowEvent[],
): Promise<HistoryReplay> {
  const runs: ReplayedRun[] = [];
  const starts = history.filter(
    (event): event is EventOf<'WorkflowStarted'> => event.type === 'WorkflowStarted',
  );
  for (const started of starts) {
    const definition = workflows.get(started.workflowType);
    if (!definition) throw new UnknownWorkflowTypeError(started.workflowType);
    const from = history.indexOf(started);
    let to = from + 1;
    while (to < history.length && history[to]?.type !== 'WorkflowStarted') to++;
    const segment = history.slice(from, to);
    const init = executionInitFromStart(started, definition);
    let replayed: Awaited<ReturnType<typeof replayRun>>;
    try {
      replayed = await replayRun(init, segment);
    } catch (error) {
      if (!(error instanceof NonDeterminismError)) throw error;
      return { runs, divergence: { runId: started.runId, error, seq: divergenceSeq(segment, error) } };
    }
    const replayedOutcome = replayed.execution.outcome;
    const run: ReplayedRun = {
      runId: started.runId,
      workflowType: started.workflowType,
      recordedOutcome: replayed.recordedOutcome,
      replayedOutcome,
    };
    const end = segment.find(
      (event) => event.seq > started.seq && terminalOutcomeOfEvent(event, started.runId) !== undefined,
    );
    const extra = replayed.unmatched[0];
    if (extra && (end !== undefined || segment.length > 1)) {
      const error = new NonDeterminismError(
        started.workflowId,
        replayed.matched.length,
        end ? `the run's end (${end.type})` : undefined,
        describeCommand(extra),
      );
      return { runs, divergence: { runId: started.runId, error, seq: end?.seq } };
    }
    const outcomeMismatch = compareOutcomes(replayed.recordedOutcome, replayedOutcome);
    if (outcomeMismatch && end) {
      const error = new NonDeterminismError(
        started.workflowId,
        replayed.matched.length,
        outcomeMismatch.recorded,
        outcomeMismatch.replayed,
      );
      return { runs, divergence: { runId: started.runId, error, seq: end.seq } };
    }
    runs.push(run);
  }
  return { runs };
}

const describeCommand = (command: Command): string => describeCommandEvent(commandEvent(command));

/** The event a NonDeterminismError from `replayRun` points at. */
function divergenceSeq(segment: readonly WorkflowEvent[], error: NonDeterminismError): number | undefined {
  // An input the code could not take names its seq; a command mismatch names its ordinal.
  const named = /\(seq (\d+)\)$/.exec(error.recorded ?? '');
  if (named) return Number(named[1]);
  return segment.filter((event) => isCommandEvent(event))[error.position]?.seq;
}

/** An outcome as compared on replay: stacks differ between runs of the same code, so they are left out. */
function outcomeKey(outcome: TerminalOutcome | ExecutionOutcome): string {
  switch (outcome.status) {
    case 'Completed':
      return `WorkflowCompleted result ${JSON.stringify(outcome.result)}`;
    case 'Failed':
      return `WorkflowFailed ${errorKey(outcome.error)}`;
    case 'Cancelled':
      return `WorkflowCancelled reason ${JSON.stringify(outcome.reason)}`;
    case 'ContinuedAsNew':
      return `WorkflowContinuedAsNew input ${JSON.stringify(outcome.input)}${outcome.workflowType ? ` as ${outcome.workflowType}` : ''}`;
    case 'TimedOut':
      return 'WorkflowTimedOut';
  }
}

const errorKey = (error: ErrorData): string => `${error.name}: ${JSON.stringify(error.message)}`;

function outcomeText(outcome: TerminalOutcome | ExecutionOutcome): string {
  switch (outcome.status) {
    case 'Completed':
      return `WorkflowCompleted result ${briefJson(outcome.result)}`;
    case 'Failed':
      return `WorkflowFailed ${briefError(outcome.error)}`;
    default:
      return outcomeKey(outcome);
  }
}

/** Where the replayed code's end differs from the recorded one (runs closed from outside excepted). */
function compareOutcomes(
  recorded: TerminalOutcome | undefined,
  replayed: ExecutionOutcome | undefined,
): { recorded: string; replayed: string } | undefined {
  if (!recorded || recorded.status === 'TimedOut') return undefined;
  if (!replayed) {
    // A terminated run is recorded Cancelled while its code still waits.
    if (recorded.status === 'Cancelled') return undefined;
    return { recorded: outcomeText(recorded), replayed: 'nothing: the code has not finished' };
  }
  if (outcomeKey(recorded) === outcomeKey(replayed)) return undefined;
  return { recorded: outcomeText(recorded), replayed: outcomeText(replayed) };
}

/**
 * An outcome as one line: shortened for reports, or `full` for comparing (two outcomes are the
 * same when their full lines are: status, result or error name and message, stacks aside).
 */
export const describeOutcome = (outcome: TerminalOutcome | ExecutionOutcome, full = false): string =>
  full ? outcomeKey(outcome) : outcomeText(outcome);
