import type { ErrorData } from './error-data.js';
import type { EventBody, EventBodyOf, EventType, ParentClosePolicy, SearchAttributes } from './events.js';
import type { WorkflowId } from './ids.js';
import type { JsonValue } from './payload.js';
import type { RetryPolicy } from './retry.js';

/** How the engine runs one scheduled activity (resolved from its definition and the call). */
export interface ActivityExecutionOptions {
  /** The definition's policy with the call's on top, resolved to milliseconds. */
  readonly retry: RetryPolicy;
  /** Longest one attempt may take, in ms. */
  readonly startToCloseTimeout?: number;
  /** Longest all attempts together may take from scheduling, in ms. */
  readonly scheduleToCloseTimeout?: number;
  /** Longest an attempt may go without a heartbeat, in ms. */
  readonly heartbeatTimeout?: number;
}

/**
 * What workflow code asks for. Each command is recorded as exactly one event, and on replay is
 * matched against that event by its kind and name.
 */
export type Command =
  | {
      readonly kind: 'ScheduleActivity';
      readonly activityId: string;
      readonly activityType: string;
      readonly input: JsonValue;
      readonly options: ActivityExecutionOptions;
    }
  | { readonly kind: 'RequestCancelActivity'; readonly activityId: string; readonly reason: string | null }
  | { readonly kind: 'StartTimer'; readonly timerId: string; readonly fireAt: number }
  | { readonly kind: 'CancelTimer'; readonly timerId: string }
  | { readonly kind: 'UpsertSearchAttributes'; readonly searchAttributes: SearchAttributes }
  | {
      readonly kind: 'SendSignal';
      /** `s<n>`: the signal's ordinal in the run; its delivery outcome names it. */
      readonly signalId: string;
      readonly targetWorkflowId: WorkflowId;
      readonly signalName: string;
      readonly payload: JsonValue;
    }
  | {
      readonly kind: 'StartChild';
      readonly childId: string;
      readonly childWorkflowId: WorkflowId;
      readonly workflowType: string;
      readonly input: JsonValue;
      readonly parentClosePolicy: ParentClosePolicy;
      readonly searchAttributes?: SearchAttributes;
    }
  | { readonly kind: 'CompleteWithTimeout'; readonly scopeId: string; readonly timedOut: boolean }
  | {
      readonly kind: 'CompleteUpdate';
      readonly updateId: string;
      readonly updateName: string;
      readonly result?: JsonValue;
      readonly error?: ErrorData;
    }
  | { readonly kind: 'RecordPatch'; readonly patchId: string; readonly deprecated: boolean };

/** The event a command is recorded as. */
export function commandEvent(command: Command): EventBody {
  switch (command.kind) {
    case 'ScheduleActivity':
      return {
        type: 'ActivityScheduled',
        activityId: command.activityId,
        activityType: command.activityType,
        input: command.input,
      };
    case 'RequestCancelActivity':
      return { type: 'ActivityCancelled', activityId: command.activityId, reason: command.reason };
    case 'StartTimer':
      return { type: 'TimerStarted', timerId: command.timerId, fireAt: command.fireAt };
    case 'CancelTimer':
      return { type: 'TimerCancelled', timerId: command.timerId };
    case 'UpsertSearchAttributes':
      return { type: 'SearchAttributesUpdated', searchAttributes: command.searchAttributes };
    case 'SendSignal':
      return {
        type: 'SignalSent',
        targetWorkflowId: command.targetWorkflowId,
        signalName: command.signalName,
        payload: command.payload,
        signalId: command.signalId,
      };
    case 'StartChild':
      return {
        type: 'ChildWorkflowStarted',
        childId: command.childId,
        childWorkflowId: command.childWorkflowId,
        workflowType: command.workflowType,
        input: command.input,
        parentClosePolicy: command.parentClosePolicy,
        ...(command.searchAttributes ? { searchAttributes: command.searchAttributes } : {}),
      };
    case 'CompleteWithTimeout':
      return { type: 'WithTimeoutCompleted', scopeId: command.scopeId, timedOut: command.timedOut };
    case 'CompleteUpdate':
      return {
        type: 'UpdateCompleted',
        updateId: command.updateId,
        updateName: command.updateName,
        ...(command.error === undefined ? { result: command.result ?? null } : { error: command.error }),
      };
    case 'RecordPatch':
      return { type: 'PatchMarker', patchId: command.patchId, deprecated: command.deprecated };
  }
}

/** The event types that record a command of workflow code (as opposed to what happened to it). */
export const COMMAND_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'ActivityScheduled',
  'ActivityCancelled',
  'TimerStarted',
  'TimerCancelled',
  'SearchAttributesUpdated',
  'SignalSent',
  'ChildWorkflowStarted',
  'WithTimeoutCompleted',
  'UpdateCompleted',
  'PatchMarker',
]);

/** Whether an event records a command. */
export const isCommandEvent = (event: { readonly type: EventType }): boolean =>
  COMMAND_EVENT_TYPES.has(event.type);

/**
 * How a command event is named in matching and in a NonDeterminismError: its kind and the
 * name the code chose (activity type, timer id, signal name, child type ...).
 */
export function describeCommandEvent(event: EventBody): string {
  switch (event.type) {
    case 'ActivityScheduled':
      return `ActivityScheduled ${event.activityType} (activity ${event.activityId})`;
    case 'ActivityCancelled':
      return `ActivityCancelled (activity ${event.activityId})`;
    case 'TimerStarted':
      return `TimerStarted ${event.timerId}`;
    case 'TimerCancelled':
      return `TimerCancelled ${event.timerId}`;
    case 'SearchAttributesUpdated':
      return `SearchAttributesUpdated ${Object.keys(event.searchAttributes).sort().join(',')}`;
    case 'SignalSent':
      return `SignalSent ${event.signalName} to ${event.targetWorkflowId}`;
    case 'ChildWorkflowStarted':
      return `ChildWorkflowStarted ${event.workflowType} (${event.childWorkflowId})`;
    case 'WithTimeoutCompleted':
      return `WithTimeoutCompleted ${event.scopeId}${event.timedOut ? ' (timed out)' : ''}`;
    case 'UpdateCompleted':
      return `UpdateCompleted ${event.updateName} (update ${event.updateId})`;
    case 'PatchMarker':
      return `PatchMarker ${event.patchId}`;
    default:
      return event.type;
  }
}

/** The matching key of a command event: what must be equal for a replayed command to match. */
export function commandMatchKey(event: EventBodyOf<EventType>): string {
  return describeCommandEvent(event);
}
