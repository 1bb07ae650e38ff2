/**
 * Exit handling: what a run's type supervisor does when the run actor exits, as the seed's
 * `handle_process_exit` does it. This module is the one writer of terminal events
 * (`WorkflowCompleted`, `WorkflowFailed`, `WorkflowCancelled`, `WorkflowTerminated`, `WorkflowTimedOut`,
 * `WorkflowContinuedAsNew`): the run's code returning, throwing or continuing as new, and a close
 * imposed from outside (execution timeout, termination), all reach it as an exit (`RunExit`), and
 * it records at most one terminal per run, deduped against the history.
 */
import {
  type EventBody,
  type EventOf,
  type ParentLink,
  type RunId,
  runSegment,
  StoreCorruption,
  type TerminalOutcome,
  terminalOutcomeFromHistory,
  type WorkflowEvent,
  type WorkflowId,
} from '@reprise/core';
import { type ExecutionOutcome, terminalOutcomeOfEvent } from '@reprise/core/internal';
import { openChildStarts } from './handle.js';
import { type Recorder, SETTLED } from './recorder.js';
import type { FinalStep, ImposedOutcome, RunExit } from './run.js';

/** The run whose actor exited, as its type supervisor knows it. */
export interface ExitingRun {
  readonly workflowId: WorkflowId;
  readonly runId: RunId;
  readonly workflowType: string;
  readonly recorder: Recorder;
}

/** What a closed run's history says to those it concerns: its waiters, its parent, its children. */
export interface ClosedRun {
  readonly outcome: TerminalOutcome;
  /** Where the run reports its outcome, when it is a child. */
  readonly parent: ParentLink | undefined;
  /** Children the run started and did not see close: its parentClosePolicy applies to them. */
  readonly openChildren: readonly EventOf<'ChildWorkflowStarted'>[];
  /** Set when this exit recorded the terminal event: its `recordedAt` (what the run metrics count). */
  readonly recordedAt?: number;
}

/** A closed run as `history` (which holds its terminal event) shows it. */
export function closedRunOf(
  history: readonly WorkflowEvent[],
  runId: RunId,
  outcome: TerminalOutcome,
): ClosedRun {
  const segment = runSegment(history, runId);
  const started = segment[0]?.type === 'WorkflowStarted' ? segment[0] : undefined;
  const openChildren = openChildStarts(segment);
  return { outcome, parent: started?.parent, openChildren };
}

/** The open children of a run that started none: shared, never written. */
const NO_OPEN_CHILDREN: readonly EventOf<'ChildWorkflowStarted'>[] = Object.freeze([]);

/** What the exit handler acts through. */
export interface ExitContext {
  now(): number;
  /** Hands every waiter of the run (its parent among them) its outcome. */
  notify(run: ExitingRun, closed: ClosedRun): void;
  /** Brings the registry in line with the close: the run is closed and no longer resident. */
  reconcile(run: ExitingRun, closed: ClosedRun): void;
  /** Marks a run stalled by a NonDeterminismError (not closed, nothing recorded). */
  stall(run: ExitingRun, exit: Extract<RunExit, { kind: 'stalled' }>): void;
  /**
   * Starts the continue-as-new successor under the same workflow id. Concurrent exits may both
   * call it, so it must check again, under the workflow's writer, that no successor exists.
   */
  startSuccessor(
    run: ExitingRun,
    outcome: Extract<TerminalOutcome, { status: 'ContinuedAsNew' }>,
  ): Promise<void>;
  /**
   * A run closed from outside left work its code waited on: attempts in flight are aborted,
   * retries and timers dropped. `history` ends with the terminal event just recorded.
   */
  dropOutstandingWork(run: ExitingRun, history: readonly WorkflowEvent[]): void;
  /**
   * The run's final step could not be recorded (a store fault): the run is still open, and is
   * brought back by replay, as a crashed run actor is.
   */
  restart(run: ExitingRun, error: unknown): void;
  /**
   * The run's stored records cannot be read or written (`StoreCorruption`): nothing is recorded
   * and nothing restarts it; the workflow goes to quarantine and those waiting on it get `error`.
   */
  quarantine(run: ExitingRun, error: StoreCorruption): void;
}

/** The terminal event that records how a run ended. */
export function terminalEventBody(outcome: ExecutionOutcome | ImposedOutcome, runId: RunId): EventBody {
  switch (outcome.status) {
    case 'Completed':
      return { type: 'WorkflowCompleted', result: outcome.result };
    case 'Failed':
      return { type: 'WorkflowFailed', error: outcome.error };
    case 'Cancelled':
      return { type: 'WorkflowCancelled', reason: outcome.reason };
    case 'TimedOut':
      return { type: 'WorkflowTimedOut', timeout: outcome.timeout };
    case 'Terminated':
      return { type: 'WorkflowTerminated', reason: outcome.reason };
    case 'ContinuedAsNew':
      return outcome.workflowType === undefined
        ? { type: 'WorkflowContinuedAsNew', input: outcome.input, parentRunId: runId }
        : {
            type: 'WorkflowContinuedAsNew',
            input: outcome.input,
            workflowType: outcome.workflowType,
            parentRunId: runId,
          };
  }
}

/** Whether the successor of `parentRunId` has been started (a WorkflowStarted names it). */
export const successorStarted = (history: readonly WorkflowEvent[], parentRunId: RunId): boolean =>
  history.some((event) => event.type === 'WorkflowStarted' && event.parentRunId === parentRunId);

/**
 * What the type supervisor does when a run actor exits, as the seed does it: under the
 * workflow's single writer, re-read the history; if the run already has a terminal outcome (a
 * crash or a racing writer recorded it first), record nothing and hand waiters that outcome;
 * otherwise record exactly one terminal event. A ContinuedAsNew outcome starts the successor
 * unless a WorkflowStarted naming this run as parent exists. Handling the same exit twice
 * records one terminal and starts one successor.
 *
 * A run whose code ended in a step it did not record hands that step over (`finalStep`): it is
 * appended with the terminal event, conditional on what the run had seen, so no terminal came
 * before it and the last step costs one commit.
 */
export function handleRunExit(context: ExitContext, run: ExitingRun, exit: RunExit): Promise<void> {
  // Not an async function: a run's close (nearly always a final step) keeps no frame of this
  // one while its append commits, only recordFinalStep's.
  try {
    switch (exit.kind) {
      case 'stopped':
        return SETTLED;
      case 'stalled':
        context.stall(run, exit);
        return SETTLED;
      case 'corrupt':
        context.quarantine(run, exit.error);
        return SETTLED;
      case 'finished':
        if (exit.finalStep) return recordFinalStep(context, run, exit.outcome, exit.finalStep);
    }
    return recordTerminal(context, run, exit);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The exit of a run whose steps are all recorded: records its terminal event unless one is. */
async function recordTerminal(
  context: ExitContext,
  run: ExitingRun,
  exit: Extract<RunExit, { kind: 'finished' | 'closed' | 'alreadyClosed' }>,
): Promise<void> {
  let recorded: {
    outcome: TerminalOutcome;
    history: WorkflowEvent[];
    recordedNow: boolean;
    recordedAt?: number;
  };
  try {
    recorded = await run.recorder.exclusive(async () => {
      const history = await run.recorder.read();
      const existing = terminalOutcomeFromHistory(history, run.runId);
      if (existing || exit.kind === 'alreadyClosed') {
        const outcome = existing ?? (exit as Extract<RunExit, { kind: 'alreadyClosed' }>).outcome;
        return { outcome, history, recordedNow: false };
      }
      const events = await run.recorder.append([terminalEventBody(exit.outcome, run.runId)], context.now());
      const updated = [...history, ...events];
      const outcome = terminalOutcomeFromHistory(updated, run.runId) as TerminalOutcome;
      return { outcome, history: updated, recordedNow: true, recordedAt: events.at(-1)?.recordedAt };
    });
  } catch (error) {
    if (exit.kind === 'closed') exit.ack?.reject(error);
    if (error instanceof StoreCorruption) {
      context.quarantine(run, error);
      return;
    }
    throw error;
  }
  const { outcome, history, recordedNow, recordedAt } = recorded;
  if (exit.kind === 'closed' && recordedNow) context.dropOutstandingWork(run, history);
  const closed = closedRunOf(history, run.runId, outcome);
  closeRun(context, run, recordedAt === undefined ? closed : { ...closed, recordedAt });
  if (exit.kind === 'closed') exit.ack?.resolve();
  if (outcome.status === 'ContinuedAsNew' && !successorStarted(history, run.runId)) {
    await context.startSuccessor(run, outcome);
  }
}

/**
 * Records the step that ended the code with the terminal event, in one append. Written with
 * `then`, not `await`: while thousands of closes commit at once, each holds two closures over
 * its arguments, not a suspended frame.
 */
function recordFinalStep(
  context: ExitContext,
  run: ExitingRun,
  outcome: ExecutionOutcome,
  step: FinalStep,
): Promise<void> {
  const { bodies } = step;
  // Made at its final length (a spread grows it): the step's events, then the terminal one.
  const withTerminal = new Array<EventBody>(bodies.length + 1);
  for (let index = 0; index < bodies.length; index++) withTerminal[index] = bodies[index] as EventBody;
  withTerminal[bodies.length] = terminalEventBody(outcome, run.runId);
  return run.recorder.appendInTurn(withTerminal, step.recordedAt, step.afterSeq).then(
    (events) => finalStepRecorded(context, run, step, events),
    (error: unknown) => finalStepFailed(context, run, step, error),
  );
}

function finalStepFailed(context: ExitContext, run: ExitingRun, step: FinalStep, error: unknown): void {
  step.failed(error);
  // A start that never got recorded is not restarted: its starter has the error.
  if (step.opens) return;
  if (error instanceof StoreCorruption) context.quarantine(run, error);
  else context.restart(run, error);
}

function finalStepRecorded(
  context: ExitContext,
  run: ExitingRun,
  step: FinalStep,
  events: WorkflowEvent[],
): Promise<void> | undefined {
  step.recorded(events.slice(0, -1));
  const terminal = events[events.length - 1] as WorkflowEvent;
  const closedOutcome = terminalOutcomeOfEvent(terminal, run.runId) as TerminalOutcome;
  // Children started earlier may still be open: their close policy needs the history.
  if (step.startedChildren) {
    return run.recorder
      .exclusive(() => run.recorder.read())
      .then((history) => {
        const closed = closedRunOf(history, run.runId, closedOutcome);
        return closeFinalStep(context, run, { ...closed, recordedAt: terminal.recordedAt });
      });
  }
  return closeFinalStep(context, run, {
    outcome: closedOutcome,
    parent: step.parent,
    openChildren: NO_OPEN_CHILDREN,
    recordedAt: terminal.recordedAt,
  });
}

function closeFinalStep(context: ExitContext, run: ExitingRun, closed: ClosedRun): Promise<void> | undefined {
  closeRun(context, run, closed);
  const { outcome } = closed;
  return outcome.status === 'ContinuedAsNew' ? context.startSuccessor(run, outcome) : undefined;
}

function closeRun(context: ExitContext, run: ExitingRun, closed: ClosedRun): void {
  context.notify(run, closed);
  context.reconcile(run, closed);
}
