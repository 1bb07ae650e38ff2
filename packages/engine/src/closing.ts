/**
 * Closing a run, as the exit handler asks: its waiters and parent learn the outcome, schedules
 * and other close listeners hear of it, the run leaves the run table and memory with the timers
 * it still held, its open children get its close policy, and a continue-as-new successor starts.
 * This is the engine's side of `ExitContext`; the exit protocol itself is in `exit-handler.ts`.
 */
import type { Clock } from '@reprise/actors';
import {
  type StoreCorruption,
  WorkflowCodeError,
  type WorkflowEvent,
  type WorkflowId,
  type WorkflowStatus,
} from '@reprise/core';
import type { ActivityExecutor } from './activity-executor.js';
import type { Children } from './children.js';
import { type ClosedRun, type ExitContext, type ExitingRun, handleRunExit } from './exit-handler.js';
import type { Lifecycle } from './lifecycle.js';
import type { EngineLogger } from './options.js';
import type { Residency } from './residency.js';
import { RunEndedError, type RunExit } from './run.js';
import type { RunControl } from './run-control.js';
import { quarantineWorkflow, type RunTable } from './run-table.js';
import type { Starter } from './starter.js';
import type { Telemetry } from './telemetry.js';
import { type TimerService, timerKey } from './timer-service.js';

/** Who hears of every run that closes (the schedules service). */
export type CloseListener = (workflowId: WorkflowId, status: WorkflowStatus) => void;

/** What closing acts through. */
export interface ClosingPort {
  readonly clock: Clock;
  readonly table: RunTable;
  readonly residency: Residency;
  readonly timers: TimerService;
  readonly activities: ActivityExecutor;
  readonly lifecycle: Lifecycle;
  readonly logger: EngineLogger;
  readonly telemetry: Telemetry;
  readonly children: () => Children;
  readonly control: () => RunControl;
  readonly starter: () => Starter;
}

export class RunClosing implements ExitContext {
  readonly #closeListeners = new Set<CloseListener>();

  constructor(private readonly port: ClosingPort) {}

  /** The type supervisor's exit message for a run: handled in the background, failures logged. */
  exited(run: ExitingRun, exit: RunExit): void {
    this.port.lifecycle.track(this.handle(run, exit), 'exit handling failed', run.workflowId);
  }

  /** Handles an exit now (a close from outside of a run with no live loop waits for it). */
  handle(run: ExitingRun, exit: RunExit): Promise<void> {
    return handleRunExit(this, run, exit);
  }

  /** Calls `listener` whenever a run closes; returns the unsubscribe function. */
  onClose(listener: CloseListener): () => void {
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  now(): number {
    return this.port.clock.now();
  }

  notify(run: ExitingRun, { outcome, parent }: ClosedRun): void {
    this.port.table.changed(run.workflowId, outcome);
    this.port.children().reportToParent(run, outcome, parent);
    for (const listener of this.#closeListeners) listener(run.workflowId, outcome.status);
  }

  reconcile(run: ExitingRun, closed: ClosedRun): void {
    const { openChildren } = closed;
    this.port.telemetry.segmentEnded(run, closed);
    this.#letGo(run, () => new RunEndedError(run.workflowId));
    this.port.children().applyParentClosePolicy(run, openChildren);
    this.port.table.releaseRecorder(run.workflowId);
  }

  /**
   * The run leaves the run table and memory: input still queued for it fails with `refusal`,
   * and the timers its code still waited on (a race it left, a timeout) are disarmed.
   */
  #letGo(run: ExitingRun, refusal: () => Error): void {
    const { table, residency, timers } = this.port;
    const entry = table.get(run.workflowId);
    const live = entry?.runId === run.runId ? entry.run : undefined;
    if (entry?.runId === run.runId) {
      table.removeForGood(entry);
      residency.forget(run.workflowId);
      for (const item of entry.takePending()) item.ack?.reject(refusal());
      for (const timerId of entry.run?.execution?.pendingTimers().keys() ?? []) {
        timers.disarm(timerKey('t', run.workflowId, run.runId, timerId));
      }
    }
    this.port.control().disarmExecutionTimeout(run);
    // Attempts still in flight for the run are aborted (their AbortSignal fires), however it
    // ended: its code may have returned without awaiting them. A run in memory that has seen
    // every activity of it end has none (an attempt leaves the executor before its end is
    // recorded): most runs, and the look through every attempt in flight is spared.
    if (live === undefined || live.activities.size > 0)
      this.port.activities.cancelRun(run.workflowId, run.runId);
  }

  stall(run: ExitingRun, exit: Extract<RunExit, { kind: 'stalled' }>): void {
    const entry = this.port.table.get(run.workflowId);
    if (entry?.runId === run.runId) {
      entry.stalled = exit.error;
      // Input that waited for the replay: a stalled run is still open, so a caller waiting on
      // its signal or cancel request retries, and run control records it into the history
      // (as Temporal accepts a signal to a workflow whose task fails). Activity and timer news
      // is dropped: the run's next replay re-runs the activity and re-arms the timer.
      for (const item of entry.takePending()) item.ack?.reject(new RunEndedError(run.workflowId));
    }
    const why =
      exit.error instanceof WorkflowCodeError ? 'its code threw a bug' : 'replay diverged from its history';
    this.port.logger.warn(`run stalled: ${why}`, {
      workflowId: run.workflowId,
      runId: run.runId,
      error: exit.error.message,
    });
  }

  quarantine(run: ExitingRun, error: StoreCorruption): void {
    this.port.telemetry.segmentEnded(run, 'quarantined');
    this.#letGo(run, () => error);
    quarantineWorkflow(this.port.table, this.port.logger, run.workflowId, error);
    this.port.table.releaseRecorder(run.workflowId);
  }

  startSuccessor(
    run: ExitingRun,
    outcome: Extract<ClosedRun['outcome'], { status: 'ContinuedAsNew' }>,
  ): Promise<void> {
    return this.port.starter().startSuccessor(run, outcome);
  }

  dropOutstandingWork(run: ExitingRun, history: readonly WorkflowEvent[]): void {
    this.port.control().dropOutstandingWork(run, history);
  }

  restart(run: ExitingRun, error: unknown): void {
    const entry = this.port.table.get(run.workflowId);
    if (entry?.runId !== run.runId || this.port.lifecycle.closing) return;
    this.port.logger.warn('the last step of a run could not be recorded; it is replayed', {
      workflowId: run.workflowId,
      error,
    });
    entry.noteCrash();
    this.port.residency.rehydrate(entry);
  }
}
