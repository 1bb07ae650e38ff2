import { InvalidArgumentError, InvalidEventError } from './errors.js';
import { type EventType, OVERLAP_POLICIES, type ParentLink, type WorkflowEvent } from './events.js';
import { checkWorkflowId } from './ids.js';
import { encodePayload, encodePayloadAt, fitsBinaryAt, type PayloadCheckOptions } from './payload.js';

type FieldKind =
  | 'string'
  | 'number'
  | 'boolean'
  | 'json'
  | 'object'
  | 'error'
  | 'stringOrNull'
  | 'timeout'
  | 'parentLink'
  | 'traceContext'
  | 'parentClosePolicy'
  | 'overlapPolicy';
type FieldSpec = FieldKind | `${FieldKind}?`;

/** The fields each variant requires (`?`: may be absent), beyond the envelope and `type`. */
const eventFields = {
  WorkflowStarted: {
    workflowType: 'string',
    input: 'json',
    runId: 'string',
    parentRunId: 'stringOrNull',
    parent: 'parentLink?',
    searchAttributes: 'object?',
    executionTimeout: 'number?',
    forkedFrom: 'object?',
    buildId: 'string?',
    traceContext: 'traceContext?',
    firstStepQuiet: 'boolean?',
  },
  WorkflowForked: { toWorkflowId: 'string', toRunId: 'string', fromEventSeq: 'number' },
  WorkflowCompleted: { result: 'json' },
  WorkflowFailed: { error: 'error' },
  WorkflowCancelled: { reason: 'stringOrNull' },
  WorkflowCancelRequested: { reason: 'stringOrNull' },
  WorkflowPaused: { reason: 'stringOrNull' },
  WorkflowResumed: { reason: 'stringOrNull' },
  WorkflowTerminated: { reason: 'stringOrNull' },
  WorkflowTimedOut: { timeout: 'timeout' },
  WorkflowContinuedAsNew: { input: 'json', workflowType: 'string?', parentRunId: 'string' },
  SearchAttributesUpdated: { searchAttributes: 'object' },
  ActivityScheduled: { activityId: 'string', activityType: 'string', input: 'json' },
  ActivityCompleted: { activityId: 'string', attempt: 'number', result: 'json' },
  ActivityFailed: { activityId: 'string', attempt: 'number', error: 'error', retryAt: 'number?' },
  ActivityCancelled: { activityId: 'string', reason: 'stringOrNull' },
  TimerStarted: { timerId: 'string', fireAt: 'number' },
  TimerFired: { timerId: 'string' },
  TimerCancelled: { timerId: 'string' },
  WithTimeoutCompleted: { scopeId: 'string', timedOut: 'boolean' },
  PatchMarker: { patchId: 'string', deprecated: 'boolean' },
  BuildChanged: { buildId: 'string' },
  SignalReceived: { signalName: 'string', payload: 'json', requestId: 'string?' },
  UpdateAccepted: { updateId: 'string', updateName: 'string', args: 'json' },
  UpdateCompleted: { updateId: 'string', updateName: 'string', result: 'json?', error: 'error?' },
  SignalSent: { targetWorkflowId: 'string', signalName: 'string', payload: 'json', signalId: 'string?' },
  SignalDelivered: { signalId: 'string' },
  SignalDeliveryFailed: { signalId: 'string', targetWorkflowId: 'string', error: 'error' },
  ChildWorkflowStarted: {
    childId: 'string',
    childWorkflowId: 'string',
    workflowType: 'string',
    input: 'json',
    parentClosePolicy: 'parentClosePolicy',
    searchAttributes: 'object?',
  },
  ChildWorkflowCompleted: { childId: 'string', childWorkflowId: 'string', result: 'json' },
  ChildWorkflowFailed: { childId: 'string', childWorkflowId: 'string', error: 'error' },
  ChildWorkflowCancelled: { childId: 'string', childWorkflowId: 'string', reason: 'stringOrNull' },
  ScheduleCreated: {
    scheduleId: 'string',
    spec: 'object',
    workflowType: 'string',
    input: 'json',
    options: 'object',
  },
  ScheduleUpdated: { scheduleId: 'string', changes: 'object' },
  SchedulePaused: { scheduleId: 'string', note: 'stringOrNull' },
  ScheduleResumed: { scheduleId: 'string', note: 'stringOrNull' },
  ScheduleDeleted: { scheduleId: 'string' },
  ScheduleTriggered: {
    scheduleId: 'string',
    fireAt: 'number',
    startedWorkflowId: 'string',
    cause: 'string?',
    overlap: 'overlapPolicy?',
  },
  ScheduleFiresSkipped: { scheduleId: 'string', from: 'number', upTo: 'number', reason: 'string' },
  ScheduleListed: { scheduleId: 'string' },
  ScheduleUnlisted: { scheduleId: 'string' },
} as const satisfies Record<EventType, Record<string, FieldSpec>>;

const PARENT_CLOSE_POLICIES: ReadonlySet<string> = new Set(['terminate', 'requestCancel', 'abandon']);
const OVERLAP_POLICY_SET: ReadonlySet<string> = new Set(OVERLAP_POLICIES);

/** How an error message names the nested shapes. */
const KIND_NAMES: Partial<Record<FieldKind, string>> = {
  timeout: "{ kind: 'execution', afterMs: number }",
  parentLink: '{ workflowId, runId, childId: string, parentClosePolicy }',
  parentClosePolicy: "'terminate' | 'requestCancel' | 'abandon'",
  traceContext: '{ [field: string]: string } (such as { traceparent })',
  overlapPolicy: OVERLAP_POLICIES.map((policy) => `'${policy}'`).join(' | '),
  error: '{ name: string, message: string }',
};

/** Every event variant's tag. */
export const EVENT_TYPES = Object.keys(eventFields) as readonly EventType[];

const isEventType = (type: unknown): type is EventType =>
  typeof type === 'string' && Object.hasOwn(eventFields, type);

/** Each variant's field specs, parsed once: [field, kind, optional]. */
const fieldChecks = new Map(
  Object.entries(eventFields).map(([type, fields]) => [
    type,
    Object.entries(fields as Record<string, FieldSpec>).map(([field, spec]) => {
      const optional = spec.endsWith('?');
      return [field, (optional ? spec.slice(0, -1) : spec) as FieldKind, optional] as const;
    }),
  ]),
);

function fieldMatches(kind: FieldKind, value: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'json':
      return value !== undefined;
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'stringOrNull':
      return value === null || typeof value === 'string';
    case 'timeout': {
      const timeout = value as { kind?: unknown; afterMs?: unknown } | null;
      return (
        typeof timeout === 'object' &&
        timeout !== null &&
        timeout.kind === 'execution' &&
        fieldMatches('number', timeout.afterMs)
      );
    }
    case 'parentLink': {
      const link = value as Partial<Record<keyof ParentLink, unknown>> | null;
      return (
        typeof link === 'object' &&
        link !== null &&
        typeof link.workflowId === 'string' &&
        typeof link.runId === 'string' &&
        typeof link.childId === 'string' &&
        fieldMatches('parentClosePolicy', link.parentClosePolicy)
      );
    }
    case 'traceContext':
      return (
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.values(value).every((field) => typeof field === 'string')
      );
    case 'parentClosePolicy':
      return typeof value === 'string' && PARENT_CLOSE_POLICIES.has(value);
    case 'overlapPolicy':
      return typeof value === 'string' && OVERLAP_POLICY_SET.has(value);
    case 'error': {
      const error = value as { name?: unknown; message?: unknown } | null;
      return (
        typeof error === 'object' &&
        error !== null &&
        typeof error.name === 'string' &&
        typeof error.message === 'string'
      );
    }
  }
}

/** What is wrong with the fields of an event of a known `type` (its envelope's time included). */
function eventFieldsProblem(type: EventType, candidate: Record<string, unknown>): string | undefined {
  if (!fieldMatches('number', candidate.recordedAt)) {
    return `${type} has recordedAt ${JSON.stringify(candidate.recordedAt)}, expected epoch ms`;
  }
  const checks = fieldChecks.get(type) ?? [];
  // An indexed loop: every append checks its events here, and an iterator per event is garbage.
  for (let index = 0; index < checks.length; index++) {
    const [field, kind, optional] = checks[index] as (typeof checks)[number];
    const value = candidate[field];
    if (optional && value === undefined) continue;
    if (!fieldMatches(kind, value)) {
      return `${type}.${field} is ${JSON.stringify(value) ?? 'undefined'}, expected ${KIND_NAMES[kind] ?? kind}`;
    }
  }
  return undefined;
}

/**
 * What is wrong with a value read back as an event, or `undefined` when it is a known variant
 * with its fields: the check of `encodeEventBatch`, for a store's reader to tell a damaged
 * record from an event (seq and workflow id are the reader's to compare with the key).
 */
export function storedEventProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not an object';
  const candidate = value as Record<string, unknown>;
  if (!isEventType(candidate.type)) return `unknown event type ${JSON.stringify(candidate.type)}`;
  return eventFieldsProblem(candidate.type, candidate);
}

/** The options of a batch check: what seq the batch must start at, and payload limits. */
export interface EventBatchCheck {
  readonly workflowId: string;
  readonly expectedSeq: number;
  readonly payload?: PayloadCheckOptions;
}

/**
 * Checks a batch about to be appended: each event is a known variant with its fields, belongs
 * to `workflowId`, carries seqs `expectedSeq + 1, + 2, ...`, and is JSON within the payload
 * limit. Returns each event's JSON text, which is what a store keeps. Throws
 * `InvalidEventError` or `PayloadError`; nothing is written by a caller that checks first.
 */
export function encodeEventBatch(events: readonly WorkflowEvent[], check: EventBatchCheck): string[] {
  checkBatch(events, check);
  // A loop into an array made at its length, not map() or push(): no closure per batch, and no
  // spare room (push from empty reserves 17 slots), as every store appends through here.
  const texts = new Array<string>(events.length);
  for (let index = 0; index < events.length; index++) {
    texts[index] = encodeEvent(events[index], index, check);
  }
  return texts;
}

/**
 * The checks of `encodeEventBatch` for a store that writes events in a binary encoding
 * (MessagePack) rather than as JSON text: `true` when every event passes them and is plain JSON
 * that such an encoding reads back exactly as its JSON text would (see `fitsBinaryAt`); `false`
 * when one may not, and the store then writes the batch's JSON texts, which `encodeEventBatch`
 * makes or refuses with its errors. A bad batch, a bad envelope or a bad field throws here
 * as there.
 */
export function checkEventBatchForBinary(events: readonly WorkflowEvent[], check: EventBatchCheck): boolean {
  checkBatch(events, check);
  const payload = check.payload;
  // A limit named after a path is checked (and named) by the JSON texts.
  if (payload?.path !== undefined) return false;
  for (let index = 0; index < events.length; index++) {
    const event = events[index];
    checkEnvelope(event, index, check);
    // From the first event that may not fit, `encodeEventBatch` checks them all in order, so
    // that the first bad event is the one named, whatever is wrong with it.
    if (!fitsBinaryAt(event as object, payload?.maxBytes)) return false;
  }
  return true;
}

/** The checks of a batch as a whole (see `encodeEventBatch`). */
function checkBatch(events: readonly WorkflowEvent[], check: EventBatchCheck): void {
  // Every store appends through here, so every store holds to the one id rule.
  checkWorkflowId(check.workflowId);
  if (!Number.isInteger(check.expectedSeq) || check.expectedSeq < 0) {
    throw new InvalidArgumentError(
      'expectedSeq',
      `${JSON.stringify(check.expectedSeq)} must be a non-negative integer`,
    );
  }
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidEventError(0, 'an append needs a non-empty array of events');
  }
}

/** Checks event `index` of a batch (see `encodeEventBatch`) and returns its JSON text. */
function encodeEvent(event: unknown, index: number, check: EventBatchCheck): string {
  checkEnvelope(event, index, check);
  const payload = check.payload;
  return payload?.path === undefined
    ? encodePayloadAt(event, 'events', index, payload?.maxBytes)
    : encodePayload(event, payload);
}

/** Checks that event `index` of a batch is a known variant with its fields, its workflow's, at its seq. */
function checkEnvelope(event: unknown, index: number, check: EventBatchCheck): void {
  if (typeof event !== 'object' || event === null) throw new InvalidEventError(index, 'is not an object');
  const candidate = event as Record<string, unknown>;
  const type = candidate.type;
  if (!isEventType(type)) throw new InvalidEventError(index, `unknown event type ${JSON.stringify(type)}`);
  if (candidate.workflowId !== check.workflowId) {
    throw new InvalidEventError(
      index,
      `${type} carries workflowId ${JSON.stringify(candidate.workflowId)}, appended to ${JSON.stringify(check.workflowId)}`,
    );
  }
  const wantSeq = check.expectedSeq + index + 1;
  if (candidate.seq !== wantSeq) {
    throw new InvalidEventError(
      index,
      `${type} has seq ${JSON.stringify(candidate.seq)}, expected ${wantSeq}`,
    );
  }
  const problem = eventFieldsProblem(type, candidate);
  if (problem !== undefined) throw new InvalidEventError(index, problem);
}
