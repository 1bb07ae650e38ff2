import { commandEvent, describeCommandEvent, isCommandEvent } from './commands.js';
import type { WorkflowDefinition } from './definitions.js';
import type { ErrorData } from './error-data.js';
import { NonDeterminismError } from './errors.js';
import type { EventOf, WorkflowEvent } from './events.js';
import type { RunId, WorkflowId } from './ids.js';
import { type JsonValue, jsonEqual } from './payload.js';
import { executionInitFromStart, replayRun, type Settle } from './replay.js';
import { runSegment, type TerminalOutcome, terminalOutcomeOfEvent } from './run-segment.js';
import { briefError, briefJson } from './timeline.js';
import type { ExecutionOutcome } from './workflow-execution.js';

// biome-ignore lint/suspicious/noExplicitAny: definitions of any input and output types are accepted
export type AnyWorkflowDefinition = WorkflowDefinition<any, any>;

/** How one run of a history fares when replayed with the given code. */
export type RunVerdict = {
  readonly workflowId: WorkflowId;
  readonly runId: RunId;
  readonly workflowType: string;
} & (
  | {
      /** The code asks for the recorded commands in order and ends as recorded. */
      readonly verdict: 'ok';
      /** How the run ended in history; `undefined` while it is open. */
      readonly recordedOutcome: TerminalOutcome | undefined;
      /** How the replayed code ended; `undefined` while it still waits on something. */
      readonly replayedOutcome: ExecutionOutcome | undefined;
    }
  /** No definition of the run's type was given: the run was not replayed. */
  | { readonly verdict: 'unknownType' }
  | {
      readonly verdict: 'diverged';
      /** Where and how: position (0-based command), seq (`undefined`: past the last event), recorded, requested. */
      readonly error: NonDeterminismError;
    }
);

/**
 * The replay verdict: every run of one workflow id's history, replayed with the given code
 * (no activity runs, no timer waits, nothing is written), in start order. A run diverges when
 * - the code asks for other commands than the recorded ones, in kind and name and order, or
 *   cannot take a recorded input (`replayRun`);
 * - the code asks for a command in a step whose commands were recorded without it: a later
 *   command of the run, or an end the code itself recorded, shows the step was recorded (an
 *   append holds an input with every command it led to). Commands after inputs recorded
 *   while the run was not in memory (a signal, the start a parent recorded) are new work, as
 *   the engine records them on its next replay;
 * - the code throws a bug (`WorkflowOptions.stallOn`): the engine would stall the run;
 * - the run's recorded end differs from the code's: status, result (as JSON values), error
 *   name and message, cancel reason, continue-as-new input and type. A run closed from
 *   outside is exempt: timed out, terminated, or recorded Cancelled while its code waits.
 */
export async function replayVerdict(
  workflows: ReadonlyMap<string, AnyWorkflowDefinition>,
  history: readonly WorkflowEvent[],
  options: { readonly settle?: Settle } = {},
): Promise<RunVerdict[]> {
  const verdicts: RunVerdict[] = [];
  for (const started of history) {
    if (started.type !== 'WorkflowStarted') continue;
    const run = { workflowId: started.workflowId, runId: started.runId, workflowType: started.workflowType };
    const definition = workflows.get(started.workflowType);
    if (!definition) {
      verdicts.push({ ...run, verdict: 'unknownType' });
      continue;
    }
    try {
      verdicts.push({ ...run, ...(await judgeRun(started, definition, history, options)) });
    } catch (error) {
      if (!(error instanceof NonDeterminismError)) throw error;
      verdicts.push({ ...run, verdict: 'diverged', error });
    }
  }
  return verdicts;
}

/** Replays one run; throws the NonDeterminismError of its divergence. */
async function judgeRun(
  started: EventOf<'WorkflowStarted'>,
  definition: AnyWorkflowDefinition,
  history: readonly WorkflowEvent[],
  options: { readonly settle?: Settle },
): Promise<{
  verdict: 'ok';
  recordedOutcome: TerminalOutcome | undefined;
  replayedOutcome: ExecutionOutcome | undefined;
}> {
  const segment = runSegment(history, started.runId);
  const replayed = await replayRun(executionInitFromStart(started, definition), segment, options);
  const recorded = replayed.recordedOutcome;
  const ended = replayed.execution.outcome;
  const end = segment.find(
    (event) => event.seq > started.seq && terminalOutcomeOfEvent(event, started.runId) !== undefined,
  );
  const position = replayed.matched.length;
  const diverged = (recordedText: string | undefined, requested: string) =>
    new NonDeterminismError(started.workflowId, position, recordedText, requested, end?.seq);
  const closedFromOutside =
    recorded?.status === 'TimedOut' ||
    recorded?.status === 'Terminated' ||
    (recorded?.status === 'Cancelled' && ended === undefined);

  const bug = replayed.execution.bug;
  if (bug) {
    throw new NonDeterminismError(
      started.workflowId,
      bug.position,
      recorded ? describeOutcome(recorded) : undefined,
      `nothing: the code threw ${bug.error.name}: ${bug.error.message} (a bug: the run stalls)`,
      end?.seq,
    );
  }
  const extra = replayed.unmatched[0];
  const after = replayed.unmatchedAfter;
  if (extra && after !== undefined) {
    const stepRecorded =
      (end !== undefined && !closedFromOutside) ||
      segment.some(
        (event) => event.seq > after && (end === undefined || event.seq < end.seq) && isCommandEvent(event),
      );
    if (stepRecorded) {
      throw diverged(
        end ? `the run's end (${end.type})` : undefined,
        describeCommandEvent(commandEvent(extra)),
      );
    }
  }
  if (recorded && !closedFromOutside) {
    if (!ended) throw diverged(describeOutcome(recorded), 'nothing: the code has not finished');
    if (!sameOutcome(recorded, ended)) throw diverged(describeOutcome(recorded), describeOutcome(ended));
  }
  return { verdict: 'ok', recordedOutcome: recorded, replayedOutcome: ended };
}

/**
 * Whether the code ended as history recorded: same status, and the same result (as JSON
 * values: key order aside), error (name and message: stacks differ between runs of the same
 * code), cancel reason, or continue-as-new input and type. A time-out has nothing to compare.
 */
export function sameOutcome(recorded: TerminalOutcome, replayed: ExecutionOutcome): boolean {
  switch (recorded.status) {
    case 'Completed':
      return replayed.status === 'Completed' && jsonEqual(recorded.result, replayed.result);
    case 'Failed':
      return replayed.status === 'Failed' && sameError(recorded.error, replayed.error);
    case 'Cancelled':
      return replayed.status === 'Cancelled' && recorded.reason === replayed.reason;
    case 'ContinuedAsNew':
      return (
        replayed.status === 'ContinuedAsNew' &&
        jsonEqual(recorded.input, replayed.input) &&
        recorded.workflowType === replayed.workflowType
      );
    case 'TimedOut':
    case 'Terminated':
      return true;
  }
}

const sameError = (a: ErrorData, b: ErrorData): boolean => a.name === b.name && a.message === b.message;

/**
 * An outcome as one line, named as its terminal event: shortened for reports, or `full` for
 * comparing as text (status, result or error name and message, stacks aside).
 */
export function describeOutcome(outcome: TerminalOutcome | ExecutionOutcome, full = false): string {
  const json = full ? (value: JsonValue) => JSON.stringify(value) : briefJson;
  switch (outcome.status) {
    case 'Completed':
      return `WorkflowCompleted result ${json(outcome.result)}`;
    case 'Failed':
      return `WorkflowFailed ${full ? `${outcome.error.name}: ${JSON.stringify(outcome.error.message)}` : briefError(outcome.error)}`;
    case 'Cancelled':
      return `WorkflowCancelled reason ${JSON.stringify(outcome.reason)}`;
    case 'ContinuedAsNew':
      return `WorkflowContinuedAsNew input ${JSON.stringify(outcome.input)}${outcome.workflowType ? ` as ${outcome.workflowType}` : ''}`;
    case 'TimedOut':
      return 'WorkflowTimedOut';
    case 'Terminated':
      return `WorkflowTerminated reason ${JSON.stringify(outcome.reason)}`;
  }
}
