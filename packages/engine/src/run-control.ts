/**
 * Run control: what reaches a run from outside its code. Signals and cancel requests are
 * recorded as input for the open run (through its mailbox when it is in memory, straight into
 * the history when not); activity and timer news is handed to the run it belongs to; and a close
 * imposed from outside (execution timeout, terminate) becomes the run's exit, which its
 * supervisor's exit handler records like any other.
 */
import type { Clock } from '@reprise/actors';
import {
  checkPayload,
  type EventBody,
  type EventOf,
  type EventStore,
  InvalidArgumentError,
  type JsonValue,
  projectHistory,
  type RunId,
  runSegment,
  statusFromEvents,
  terminalOutcomeFromHistory,
  WorkflowClosedError,
  type WorkflowEvent,
  type WorkflowId,
  WorkflowNotFoundError,
  type WorkflowStatus,
} from '@reprise/core';
import { latestStart } from '@reprise/core/internal';
import type { ActivityExecutor } from './activity-executor.js';
import type { ExitingRun } from './exit-handler.js';
import { type CancelResult, openActivities, type SignalOptions } from './handle.js';
import { EngineClosedError, type Lifecycle } from './lifecycle.js';
import type { Residency } from './residency.js';
import { type Ack, type ImposedOutcome, RunEndedError, type RunExit } from './run.js';
import type { RunEntry } from './run-entry.js';
import type { RunTable } from './run-table.js';
import type { RunSupervision } from './supervision.js';
import { type TimerService, timerKey } from './timer-service.js';

/** Whether a run segment leaves its run paused: a WorkflowPaused with no WorkflowResumed after it. */
export function pausedIn(segment: readonly WorkflowEvent[]): boolean {
  for (let index = segment.length - 1; index >= 0; index--) {
    const type = segment[index]?.type;
    if (type === 'WorkflowPaused') return true;
    if (type === 'WorkflowResumed') return false;
  }
  return false;
}

/** How many times an input is retried when the run's loop ends under it (eviction, stall). */
const INPUT_RETRIES = 4;

/** What run control acts through. */
export interface RunControlPort {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly table: RunTable;
  readonly residency: Residency;
  readonly supervision: RunSupervision;
  readonly timers: TimerService;
  readonly activities: ActivityExecutor;
  readonly lifecycle: Lifecycle;
  readonly maxPayloadBytes: number | undefined;
  /** The exit handler of the run's supervisor, for a run with no live loop to exit. */
  handleExit(run: ExitingRun, exit: RunExit): Promise<void>;
  /** Signals and cancel requests for workflows another engine owns go there (`inbox.ts`). */
  readonly remote?: RemoteInput;
}

/** Where input for a workflow another engine owns goes (several engines on one store). */
export interface RemoteInput {
  routes(workflowId: string): boolean;
  signal(workflowId: WorkflowId, name: string, payload: JsonValue, requestId?: string): Promise<void>;
  cancel(workflowId: WorkflowId, reason: string | undefined): Promise<CancelResult>;
  terminate(workflowId: WorkflowId, reason: string): Promise<CancelResult>;
  pause(workflowId: WorkflowId, reason: string | undefined): Promise<void>;
  resume(workflowId: WorkflowId, reason: string | undefined): Promise<void>;
}

export class RunControl {
  constructor(private readonly port: RunControlPort) {}

  /** Records a signal for the workflow's open run (before the code sees it). */
  async signal(
    workflowId: WorkflowId,
    name: string,
    payload: JsonValue,
    options: SignalOptions,
  ): Promise<void> {
    this.port.lifecycle.assertOpen();
    if (typeof name !== 'string' || name === '') {
      throw new InvalidArgumentError('signal name', `${JSON.stringify(name)} must be a non-empty string`);
    }
    const checked = checkPayload(payload, {
      path: `signal ${name} payload`,
      ...(this.port.maxPayloadBytes === undefined ? {} : { maxBytes: this.port.maxPayloadBytes }),
    });
    if (this.port.remote?.routes(workflowId)) {
      return this.port.remote.signal(workflowId, name, checked, options.requestId);
    }
    const body: EventBody = {
      type: 'SignalReceived',
      signalName: name,
      payload: checked,
      ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
    };
    // A request id counts once per workflow id, whichever run received it (as `Run` checks it).
    await this.#sendInput(
      workflowId,
      body,
      (history) =>
        options.requestId !== undefined &&
        history.some((event) => event.type === 'SignalReceived' && event.requestId === options.requestId),
    );
  }

  /** Asks the open run to cancel; a closed run is left as it is and its status returned. */
  async cancel(workflowId: WorkflowId, reason: string | undefined): Promise<CancelResult> {
    this.port.lifecycle.assertOpen();
    if (this.port.remote?.routes(workflowId)) return this.port.remote.cancel(workflowId, reason);
    try {
      await this.#sendInput(
        workflowId,
        { type: 'WorkflowCancelRequested', reason: reason ?? null },
        // The open run's own request only: an earlier run of the id may have had one.
        (_history, segment) => segment.some((event) => event.type === 'WorkflowCancelRequested'),
      );
      return { status: 'Running' };
    } catch (error) {
      if (error instanceof WorkflowClosedError) return { status: error.status as WorkflowStatus };
      throw error;
    }
  }

  /**
   * Pauses the open run (records WorkflowPaused through its mailbox, or straight into the history
   * when it is not in memory); a paused run is left as it is. A closed run: WorkflowClosedError.
   */
  async pause(workflowId: WorkflowId, reason: string | undefined): Promise<void> {
    this.port.lifecycle.assertOpen();
    if (this.port.remote?.routes(workflowId)) return this.port.remote.pause(workflowId, reason);
    await this.#sendInput(
      workflowId,
      { type: 'WorkflowPaused', reason: reason ?? null },
      (_history, segment) => pausedIn(segment),
    );
  }

  /** Resumes a paused open run (records WorkflowResumed); a run that is not paused is left as it is. */
  async resume(workflowId: WorkflowId, reason: string | undefined): Promise<void> {
    this.port.lifecycle.assertOpen();
    if (this.port.remote?.routes(workflowId)) return this.port.remote.resume(workflowId, reason);
    await this.#sendInput(
      workflowId,
      { type: 'WorkflowResumed', reason: reason ?? null },
      (_history, segment) => !pausedIn(segment),
    );
  }

  /**
   * Records a note about the workflow (a fork made from it) that its code does not act on:
   * through the open run's mailbox, or appended under the workflow's writer when it is closed.
   */
  async note(workflowId: WorkflowId, body: EventBody): Promise<void> {
    try {
      await this.#sendInput(workflowId, body, () => false);
    } catch (error) {
      if (!(error instanceof WorkflowClosedError)) throw error;
      const recorder = this.port.table.recorder(workflowId);
      await recorder.exclusive(async () => {
        await recorder.read();
        await recorder.append([body], this.port.clock.now());
      });
    }
  }

  /**
   * Ends the open run of a workflow at once, recorded as Terminated; no clean-up code runs.
   * A closed run is left as it is and its status returned (`handle.terminate` refuses it).
   */
  async terminate(workflowId: WorkflowId, reason: string): Promise<CancelResult> {
    this.port.lifecycle.assertOpen();
    if (this.port.remote?.routes(workflowId)) return this.port.remote.terminate(workflowId, reason);
    this.port.table.assertReadable(workflowId);
    const history = await this.port.store.readHistory(workflowId);
    const current = latestStart(history);
    if (!current) throw new WorkflowNotFoundError(workflowId);
    const status = statusFromEvents(history) as WorkflowStatus;
    if (status !== 'Running') return { status };
    const run = {
      workflowId,
      runId: current.runId,
      workflowType: current.workflowType,
      recorder: this.port.table.recorder(workflowId),
    };
    await this.closeFromOutside(run, { status: 'Terminated', reason });
    // The run may have closed on its own first: then that is its status, and nothing was ended.
    const closed = terminalOutcomeFromHistory(await this.port.store.readHistory(workflowId), current.runId);
    return { status: closed && closed.status !== 'Terminated' ? closed.status : 'Running' };
  }

  /** Arms the execution timeout of a run: when it fires, the run is closed TimedOut. */
  armExecutionTimeout(
    entry: RunEntry,
    started: Pick<EventOf<'WorkflowStarted'>, 'executionTimeout' | 'recordedAt'>,
  ): void {
    const afterMs = started.executionTimeout as number;
    this.port.timers.arm(timerKey('x', entry.workflowId, entry.runId), started.recordedAt + afterMs, () =>
      this.port.lifecycle.track(
        this.closeFromOutside(entry, { status: 'TimedOut', timeout: { kind: 'execution', afterMs } }),
      ),
    );
  }

  disarmExecutionTimeout(run: Pick<ExitingRun, 'workflowId' | 'runId'>): void {
    this.port.timers.disarm(timerKey('x', run.workflowId, run.runId));
  }

  /**
   * Closes a run from outside its code. A run whose loop is live is asked to exit with the
   * outcome (after the step in progress, and after its recorded child starts); a run with no
   * live loop (suspended, hibernating, stalled, or not in memory) has its actor stopped, if any,
   * and its exit handed to the exit handler at once. Either way the supervisor's exit handler
   * records it, unless the run closed first. Resolves once it is handled.
   */
  async closeFromOutside(run: ExitingRun, outcome: ImposedOutcome): Promise<void> {
    const { table, supervision } = this.port;
    for (let attempt = 0; ; attempt++) {
      const live = table.get(run.workflowId);
      if (live?.runId === run.runId) {
        try {
          await live.startRecorded;
        } catch {
          return; // never started: nothing to close
        }
        const loop = live.run;
        if (loop?.open && !loop.stopping && supervision.has(live) && !supervision.hibernating(live)) {
          try {
            await new Promise<void>((resolve, reject) => loop.requestClose(outcome, { resolve, reject }));
            return;
          } catch (error) {
            if (!(error instanceof RunEndedError) || attempt >= INPUT_RETRIES) throw error;
            continue;
          }
        }
        // An actor with no loop to ask (hibernating, or between a crash and its replay) is
        // stopped. One whose loop has ended is left alone: its exit is on its way to the exit
        // handler, and the two are deduped under the workflow's writer.
        if (supervision.has(live) && (!loop || supervision.hibernating(live))) {
          await supervision.stopRun(live);
        }
      }
      await this.port.handleExit(run, { kind: 'closed', outcome });
      return;
    }
  }

  /**
   * A run closed from outside left what its code was waiting on outstanding: its attempts in
   * flight are aborted (their AbortSignal fires), its pending retries and timers dropped. Read
   * from the history, as the run may be out of memory (evicted with a retry pending), and done
   * once its actor has stopped, so that nothing starts another attempt for it.
   */
  dropOutstandingWork(
    run: Pick<ExitingRun, 'workflowId' | 'runId'>,
    history: readonly WorkflowEvent[],
  ): void {
    for (const { activityId } of openActivities(runSegment(history, run.runId))) {
      this.port.activities.cancel(run.workflowId, activityId);
    }
    // The history before its terminal event: its projection holds the run's open timers.
    for (const timerId of projectHistory(history.slice(0, -1)).timers.keys()) {
      this.port.timers.disarm(timerKey('t', run.workflowId, run.runId, timerId));
    }
  }

  /** Hands an activity's or timer's news to the run it belongs to, if it is still that run. */
  deliver(workflowId: WorkflowId, runId: RunId, body: EventBody): void {
    const entry = this.port.table.get(workflowId);
    if (entry?.runId === runId && !entry.stalled) this.post(entry, body);
  }

  /**
   * Hands news to a run, as `deliver` does, and resolves once the run has recorded it. Nothing
   * to do when the run is not this workflow's open run here, or already recorded news of the same
   * child (the item carrying it came again): its replay finds the outcome in the store.
   */
  async deliverRecorded(workflowId: WorkflowId, runId: RunId, body: EventBody): Promise<void> {
    const entry = this.port.table.get(workflowId);
    if (entry?.runId !== runId || entry.stalled) return;
    if ('childId' in body) {
      const segment = runSegment(await this.port.store.readHistory(workflowId), runId);
      const seen = segment.some(
        (event) => event.type === body.type && 'childId' in event && event.childId === body.childId,
      );
      if (seen) return;
    }
    await new Promise<void>((resolve, reject) => this.post(entry, body, { resolve, reject }));
  }

  /** Posts input to the entry's run, bringing a suspended run back into memory first. */
  post(entry: RunEntry, body: EventBody, ack?: Ack): void {
    if (this.port.lifecycle.closing) {
      // Shutdown has begun: no run will be brought back to take this input, so the caller
      // waiting on it is told (an input without a caller is recorded on the next start, if at all).
      ack?.reject(new EngineClosedError());
      return;
    }
    const run = entry.run;
    if (run?.open && !run.stopping) {
      run.post(body, ack);
      this.port.residency.touch(entry);
      return;
    }
    entry.hold(ack ? { body, ack } : { body });
    this.port.residency.rehydrate(entry);
  }

  /**
   * Records an input for the workflow's open run: through the resident run's mailbox, or
   * straight into the history when the run is not in memory (it sees the input on replay).
   */
  async #sendInput(
    workflowId: WorkflowId,
    body: EventBody,
    alreadyRecorded: (history: readonly WorkflowEvent[], segment: readonly WorkflowEvent[]) => boolean,
  ): Promise<void> {
    const { table, clock } = this.port;
    for (let attempt = 0; ; attempt++) {
      this.port.lifecycle.assertOpen();
      // A workflow in quarantine takes no input: its records are damaged.
      table.assertReadable(workflowId);
      const entry = table.get(workflowId);
      if (entry && !entry.stalled) {
        try {
          await new Promise<void>((resolve, reject) => this.post(entry, body, { resolve, reject }));
          return;
        } catch (error) {
          if (!(error instanceof RunEndedError) || attempt >= INPUT_RETRIES) throw error;
          continue;
        }
      }
      const recorder = table.recorder(workflowId);
      const resident = await recorder.exclusive(async () => {
        const history = await recorder.read();
        const current = latestStart(history);
        if (!current) throw new WorkflowNotFoundError(workflowId);
        const status = statusFromEvents(history) as WorkflowStatus;
        if (status !== 'Running') throw new WorkflowClosedError(workflowId, status);
        const live = table.get(workflowId);
        if (live && !live.stalled) return true;
        if (!alreadyRecorded(history, runSegment(history, current.runId))) {
          await recorder.append([body], clock.now());
        }
        return false;
      });
      if (!resident) return;
    }
  }
}
