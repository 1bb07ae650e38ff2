import { InvalidArgumentError, type JsonValue } from '@reprise/core';

/** What holds a data directory: a worker (an engine that executes) or a short-lived command. */
export type HolderRole = 'worker' | 'command';

/** A request over the control socket: one JSON line per connection. */
export type ControlRequest =
  | { readonly op: 'hello' }
  | {
      readonly op: 'start';
      readonly workflowType: string;
      readonly input: JsonValue;
      readonly workflowId?: string;
      readonly searchAttributes?: Record<string, JsonValue>;
    }
  | { readonly op: 'signal'; readonly workflowId: string; readonly name: string; readonly payload: JsonValue }
  | { readonly op: 'cancel'; readonly workflowId: string; readonly reason?: string }
  | { readonly op: 'terminate'; readonly workflowId: string; readonly reason?: string }
  | { readonly op: 'pause'; readonly workflowId: string; readonly reason?: string }
  | { readonly op: 'resume'; readonly workflowId: string; readonly reason?: string }
  | {
      readonly op: 'reset';
      readonly workflowId: string;
      readonly toEventSeq?: number;
      readonly toLastActivity?: boolean;
      readonly reason?: string;
    }
  | {
      readonly op: 'fork';
      readonly workflowId: string;
      readonly fromEventSeq: number;
      readonly newWorkflowId?: string;
    }
  | {
      readonly op: 'update';
      readonly workflowId: string;
      readonly name: string;
      readonly args: JsonValue;
      readonly updateId?: string;
    }
  | { readonly op: 'describe'; readonly workflowId: string }
  | { readonly op: 'stalled' }
  | { readonly op: 'query'; readonly workflowId: string; readonly name: string; readonly args: JsonValue }
  /** The engine's `list` (which marks stalled runs); the filter is checked by the engine. */
  | { readonly op: 'list'; readonly filter: Record<string, JsonValue> }
  /** Deletes closed workflows (`reprise prune`) through the worker's store. */
  | { readonly op: 'prune'; readonly closedBefore: number; readonly workflowType?: string }
  | {
      readonly op: 'schedule';
      readonly action: ScheduleAction;
      readonly scheduleId?: string;
      readonly note?: string;
    };

/** What `reprise schedule` asks of a worker's `engine.schedules`. */
export type ScheduleAction = 'list' | 'describe' | 'pause' | 'resume' | 'trigger' | 'delete';

/** Every schedule action, for checks and help. */
export const SCHEDULE_ACTIONS: readonly ScheduleAction[] = [
  'list',
  'describe',
  'pause',
  'resume',
  'trigger',
  'delete',
];

/** An error as it crosses the socket. */
export interface ControlErrorData {
  readonly name: string;
  readonly code?: string;
  readonly message: string;
  readonly fields?: Record<string, JsonValue>;
}

/** The holder's answer, one JSON line. `busy`: not ready for requests yet, ask again shortly. */
export type ControlReply = {
  readonly role: HolderRole;
  readonly pid: number;
  readonly name: string;
} & (
  | { readonly ok: true; readonly value: JsonValue }
  | { readonly ok: false; readonly busy: true }
  | { readonly ok: false; readonly busy?: false; readonly error: ControlErrorData }
);

/** A value as an error message shows it: JSON, cut at 80 characters so a huge request is not echoed. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

const stringFields: Readonly<Record<string, readonly string[]>> = {
  hello: [],
  start: ['workflowType'],
  signal: ['workflowId', 'name'],
  cancel: ['workflowId'],
  terminate: ['workflowId'],
  pause: ['workflowId'],
  resume: ['workflowId'],
  update: ['workflowId', 'name'],
  reset: ['workflowId'],
  fork: ['workflowId'],
  describe: ['workflowId'],
  stalled: [],
  query: ['workflowId', 'name'],
  list: [],
  schedule: ['action'],
  prune: [],
};

/**
 * Reads one request line. Anything that is not a JSON object with a known `op` and string fields
 * where the request needs them is refused with an InvalidArgumentError naming the bad value, so
 * no input reaches the engine in a shape the handler does not expect. Ids are left to the engine's
 * own rule (`checkWorkflowId`).
 */
export function parseControlRequest(line: string): ControlRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new InvalidArgumentError('request', `${shown(line)} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidArgumentError('request', `${shown(parsed)} is not a JSON object`);
  const request = parsed as Record<string, unknown>;
  const op = request.op;
  const required = typeof op === 'string' && Object.hasOwn(stringFields, op) ? stringFields[op] : undefined;
  if (required === undefined)
    throw new InvalidArgumentError(
      'request.op',
      `${shown(op)} is not one of ${Object.keys(stringFields).join(', ')}`,
    );
  for (const field of required) {
    if (typeof request[field] !== 'string')
      throw new InvalidArgumentError(`request.${field}`, `${shown(request[field])} is not a string`);
  }
  for (const field of ['toEventSeq', 'fromEventSeq'] as const) {
    if (request[field] !== undefined && typeof request[field] !== 'number')
      throw new InvalidArgumentError(`request.${field}`, `${shown(request[field])} is not a number`);
  }
  for (const field of ['workflowId', 'reason', 'updateId', 'newWorkflowId', 'scheduleId', 'note'] as const) {
    if (request[field] !== undefined && typeof request[field] !== 'string')
      throw new InvalidArgumentError(`request.${field}`, `${shown(request[field])} is not a string`);
  }
  if (op === 'list') {
    const filter = request.filter;
    if (typeof filter !== 'object' || filter === null || Array.isArray(filter))
      throw new InvalidArgumentError('request.filter', `${shown(filter)} is not a JSON object`);
  }
  if (op === 'prune' && (typeof request.closedBefore !== 'number' || !Number.isFinite(request.closedBefore)))
    throw new InvalidArgumentError(
      'request.closedBefore',
      `${shown(request.closedBefore)} is not a time in epoch ms`,
    );
  if (op === 'prune' && request.workflowType !== undefined && typeof request.workflowType !== 'string')
    throw new InvalidArgumentError('request.workflowType', `${shown(request.workflowType)} is not a string`);
  if (op === 'schedule' && !SCHEDULE_ACTIONS.includes(request.action as ScheduleAction))
    throw new InvalidArgumentError(
      'request.action',
      `${shown(request.action)} is not one of ${SCHEDULE_ACTIONS.join(', ')}`,
    );
  return request as unknown as ControlRequest;
}
