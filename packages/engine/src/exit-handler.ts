import {
  type EventBody,
  type EventOf,
  type ExecutionOutcome,
  type ParentLink,
  type RunId,
  runSegment,
  type TerminalOutcome,
  terminalOutcomeFromHistory,
  terminalOutcomeOfEvent,
  type WorkflowEvent,
  type WorkflowId,
} from '@reprise/core';
import { openChildStarts } from './handle.js';
import type { Recorder } from './recorder.js';
import type { RunExit } from './run.js';

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
    history: readonly WorkflowEvent[],
  ): Promise<void>;
}

/** The terminal event that records how the code ended. */
export function terminalEventBody(outcome: ExecutionOutcome, runId: RunId): EventBody {
  switch (outcome.status) {
    case 'Completed':
      return { type: 'WorkflowCompleted', result: outcome.result };
    case 'Failed':
      return { type: 'WorkflowFailed', error: outcome.error };
    case 'Cancelled':
      return { type: 'WorkflowCancelled', reason: outcome.reason };
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
 * One case needs no re-read: the run's own last append recorded its terminal event (see
 * `RunExit`). That append was conditional on every event the run had seen, so no terminal came
 * before it; the outcome, the parent and the (absent) children are what the run knows.
 */
export async function handleRunExit(context: ExitContext, run: ExitingRun, exit: RunExit): Promise<void> {
  if (exit.kind === 'stopped') return;
  if (exit.kind === 'stalled') {
    context.stall(run, exit);
    return;
  }
  if (exit.kind === 'finished' && exit.recorded) {
    const outcome = terminalOutcomeOfEvent(exit.recorded.terminal, run.runId) as TerminalOutcome;
    const closed: ClosedRun = { outcome, parent: exit.recorded.parent, openChildren: [] };
    context.notify(run, closed);
    context.reconcile(run, closed);
    return;
  }
  const { outcome, history } = await run.recorder.exclusive(async () => {
    const history = await run.recorder.read();
    const existing = terminalOutcomeFromHistory(history, run.runId);
    if (existing || exit.kind === 'alreadyClosed') {
      return { outcome: existing ?? (exit as Extract<RunExit, { kind: 'alreadyClosed' }>).outcome, history };
    }
    const events = await run.recorder.append([terminalEventBody(exit.outcome, run.runId)], context.now());
    const updated = [...history, ...events];
    return { outcome: terminalOutcomeFromHistory(updated, run.runId) as TerminalOutcome, history: updated };
  });
  const closed = closedRunOf(history, run.runId, outcome);
  context.notify(run, closed);
  context.reconcile(run, closed);
  if (outcome.status === 'ContinuedAsNew' && !successorStarted(history, run.runId)) {
    await context.startSuccessor(run, outcome, history);
  }
}
