/**
 * The run host: how a run's recorded commands reach the services that carry them out. An
 * activity goes to the executor, a timer to the timer service, a child start to the children
 * service, a sent signal to its target; each after it is recorded, and child starts and signal
 * deliveries in the run's recorded order.
 */
import type { Clock } from '@reprise/actors';
import {
  type EventBody,
  type EventOf,
  type RunId,
  type SearchAttributeSchema,
  type SearchAttributes,
  WorkflowClosedError,
  type WorkflowDefinition,
  type WorkflowEvent,
  type WorkflowId,
  type WorkflowLogLevel,
  WorkflowNotFoundError,
} from '@reprise/core';
import {
  type Command,
  executionInitFromStart,
  type Settle,
  toErrorData,
  validateSearchAttributes,
} from '@reprise/core/internal';
import type { ActivityExecutor, ActivityTask } from './activity-executor.js';
import type { Children } from './children.js';
import { EngineClosedError, type Lifecycle } from './lifecycle.js';
import type { EngineLogger } from './options.js';
import type { Residency } from './residency.js';
import { type Run, RunEndedError, type RunHost } from './run.js';
import type { RunControl } from './run-control.js';
import type { RunTable } from './run-table.js';
import { type TimerService, timerKey } from './timer-service.js';

/** What the run host acts through. */
export interface RunHostPort {
  readonly clock: Clock;
  readonly settle: Settle;
  readonly table: RunTable;
  readonly timers: TimerService;
  readonly activities: ActivityExecutor;
  readonly lifecycle: Lifecycle;
  readonly logger: EngineLogger;
  readonly residency: () => Residency;
  readonly children: () => Children;
  readonly control: () => RunControl;
  /** Told when a run has recorded an update's end, for the callers waiting on it. */
  updateCompleted(workflowId: WorkflowId, updateId: string): void;
  readonly schema: SearchAttributeSchema;
  readonly maxPayloadBytes: number | undefined;
  readonly buildId: string;
  workflow(workflowType: string): WorkflowDefinition<never, unknown> | undefined;
  isActivity(activityType: string): boolean;
}

/** Builds the `RunHost` every run of the engine uses. */
export function makeRunHost(port: RunHostPort): RunHost {
  const { clock, timers, activities, lifecycle } = port;
  // One set of checks for every run's interpreter (a run keeps its init while it lives).
  const executionChecks = {
    checkSearchAttributes: (attributes: SearchAttributes) =>
      validateSearchAttributes(port.schema, attributes),
    isActivityRegistered: (activityType: string) => port.isActivity(activityType),
    ...(port.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: port.maxPayloadBytes }),
    // ctx.log: to the engine's logger, at the level the code chose (a level it lacks is dropped).
    log: (level: WorkflowLogLevel, message: string, fields: Record<string, unknown>) =>
      port.logger[level]?.(message, fields),
  };

  // The timer's callback holds the run's ids only: an evicted run's frames must not stay reachable.
  const fireRunTimer = (timer: { workflowId: WorkflowId; runId: RunId; timerId: string }) =>
    port.control().deliver(timer.workflowId, timer.runId, { type: 'TimerFired', timerId: timer.timerId });
  const armTimer = (run: Pick<Run, 'workflowId' | 'runId'>, timerId: string, fireAt: number): void => {
    const { workflowId, runId } = run;
    timers.arm(timerKey('t', workflowId, runId, timerId), fireAt, fireRunTimer, {
      workflowId,
      runId,
      timerId,
    });
  };

  /**
   * Delivers a signal a run recorded as sent, after the run's effects recorded before it (so a
   * signal to a child just started finds it started). It carries a request id made from the
   * SignalSent's place in history, so delivering it again after a crash records it only once.
   * Its outcome goes back to the run as input: SignalDelivered, or SignalDeliveryFailed when the
   * target has no open run (the code's `ctx.signalWorkflow` then rejects with
   * WorkflowNotFoundError). A signal recorded before outcomes were (no `signalId`) is only logged.
   */
  const sendSignal = (run: Run, event: EventOf<'SignalSent'>): void => {
    const { signalId } = event;
    const outcome = (body: EventBody) => {
      if (signalId !== undefined) port.control().deliver(run.workflowId, run.runId, body);
    };
    lifecycle.track(
      run.effectInOrder(() =>
        port
          .control()
          .signal(event.targetWorkflowId, event.signalName, event.payload, {
            requestId: `${event.workflowId}#${event.seq}`,
          })
          .then(
            () => outcome({ type: 'SignalDelivered', signalId: signalId as string }),
            (error: unknown) => {
              if (!(error instanceof WorkflowClosedError || error instanceof WorkflowNotFoundError))
                throw error;
              if (signalId === undefined) {
                port.logger.warn('signal from a workflow found no running target', {
                  from: event.workflowId,
                  to: event.targetWorkflowId,
                  error: (error as Error).message,
                });
              }
              const detail =
                error instanceof WorkflowClosedError ? `it is closed (${error.status})` : 'it does not exist';
              outcome({
                type: 'SignalDeliveryFailed',
                signalId: signalId as string,
                targetWorkflowId: event.targetWorkflowId,
                error: toErrorData(new WorkflowNotFoundError(event.targetWorkflowId, detail)),
              });
            },
          ),
      ),
    );
  };

  const perform = (run: Run, command: Command, event: WorkflowEvent): void => {
    switch (command.kind) {
      case 'ScheduleActivity':
        activities.start({
          workflowId: run.workflowId,
          runId: run.runId,
          activityId: command.activityId,
          activityType: command.activityType,
          input: command.input,
          options: command.options,
          attempt: 1,
          scheduledAt: clock.now(),
        });
        return;
      case 'RequestCancelActivity':
        activities.cancel(run.workflowId, command.activityId);
        return;
      case 'StartTimer':
        armTimer(run, command.timerId, command.fireAt);
        return;
      case 'CancelTimer':
        timers.disarm(timerKey('t', run.workflowId, run.runId, command.timerId));
        return;
      case 'StartChild':
        lifecycle.track(run.startChildInOrder(() => port.children().startChild(run, command)));
        return;
      case 'SendSignal':
        if (event.type === 'SignalSent') sendSignal(run, event);
        return;
      case 'CompleteUpdate':
        port.updateCompleted(run.workflowId, command.updateId);
        return;
      // A PatchMarker only records which branch the run took: nothing to carry out.
      case 'RecordPatch':
        return;
      default:
        return;
    }
  };

  return {
    buildId: port.buildId,
    settle: port.settle,
    now: () => clock.now(),
    executionInit: (started) => {
      const definition = port.workflow(started.workflowType);
      return definition && executionInitFromStart(started, definition, executionChecks);
    },
    perform,
    startActivity: (task: ActivityTask) => activities.start(task),
    armTimer,
    // In the run's effect order: a recorded child must be started before a signal to it.
    resumeChild: (run, started) =>
      lifecycle.track(run.startChildInOrder(() => port.children().resumeChild(run, started))),
    sendSignal,
    handBack: (run, items) => {
      const entry = port.table.get(run.workflowId);
      for (const item of items) {
        if (entry?.runId === run.runId && !lifecycle.closing) port.control().post(entry, item.body, item.ack);
        // While closing, nothing will take the input: the caller learns it now, not never.
        else
          item.ack?.reject(lifecycle.closing ? new EngineClosedError() : new RunEndedError(run.workflowId));
      }
    },
    pausedChanged: (run, paused) => {
      const entry = port.table.get(run.workflowId);
      if (entry?.runId !== run.runId) return;
      if (paused) {
        entry.paused ??= { attempts: new Map() };
        return;
      }
      const held = entry.paused?.attempts;
      entry.paused = undefined;
      for (const task of held?.values() ?? []) activities.start(task);
    },
    waiting: (run) => port.residency().waiting(run),
  };
}
