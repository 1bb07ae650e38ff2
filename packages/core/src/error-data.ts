import type { JsonValue } from './json-value.js';

/** An error as plain data, the only form in which errors cross the payload boundary. */
export interface ErrorData {
  /** The error's `name` (its class name for a `RepriseError`); what retry policies match on. */
  readonly name: string;
  /** The error's message. */
  readonly message: string;
  /** The stack where it was thrown, when there was one. */
  readonly stack?: string;
  /** Extra JSON the error carried (its `details`), or a thrown non-Error in JSON form. */
  readonly details?: JsonValue;
  /** Set by the code that threw: never retry this failure, whatever the policy says. */
  readonly nonRetryable?: boolean;
}

/**
 * How much of an error is recorded, in UTF-16 code units (JSON text for `details`). An error is
 * recorded in an event, and an event over the payload limit is refused: an unbounded message
 * (a response body, a dumped file) would leave its run unable to record anything, forever.
 * Together these stay far below the default 2 MiB limit.
 */
const ERROR_DATA_LIMITS = {
  name: 256,
  message: 8 * 1024,
  stack: 16 * 1024,
  details: 64 * 1024,
} as const;

/** `text` cut to `max` code units with a marker saying how long it was; never splits a surrogate pair. */
function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = ` …[truncated, ${text.length} characters in all]`;
  let end = Math.max(0, max - marker.length);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // a high surrogate without its pair
  return text.slice(0, end) + marker;
}

/**
 * Turns anything thrown into `ErrorData`. A thrown non-Error (a string, an object) keeps its
 * JSON form in `details` so nothing the code said is lost. Every field is bounded by
 * {@link ERROR_DATA_LIMITS} (cut with a marker), so the data can always be recorded.
 */
export function toErrorData(thrown: unknown): ErrorData {
  return boundErrorData(unboundedErrorData(thrown));
}

function unboundedErrorData(thrown: unknown): ErrorData {
  if (thrown instanceof Error) {
    const extra = thrown as Error & { details?: unknown; nonRetryable?: unknown };
    const data: { -readonly [K in keyof ErrorData]: ErrorData[K] } = {
      name: thrown.name || 'Error',
      message: String(thrown.message),
    };
    if (thrown.stack !== undefined) data.stack = String(thrown.stack);
    const details = jsonOrUndefined(extra.details);
    if (details !== undefined) data.details = details;
    if (extra.nonRetryable === true) data.nonRetryable = true;
    return data;
  }
  const details = jsonOrUndefined(thrown);
  return details === undefined
    ? { name: 'NonErrorThrown', message: String(thrown) }
    : { name: 'NonErrorThrown', message: describeThrown(thrown), details };
}

function boundErrorData(data: ErrorData): ErrorData {
  const bounded: { -readonly [K in keyof ErrorData]: ErrorData[K] } = {
    name: truncateText(String(data.name), ERROR_DATA_LIMITS.name),
    message: truncateText(data.message, ERROR_DATA_LIMITS.message),
  };
  if (data.stack !== undefined) bounded.stack = truncateText(data.stack, ERROR_DATA_LIMITS.stack);
  if (data.details !== undefined) {
    const json = JSON.stringify(data.details);
    // Details too big to keep whole are kept as the start of their JSON text, marked.
    bounded.details =
      json.length <= ERROR_DATA_LIMITS.details ? data.details : truncateText(json, ERROR_DATA_LIMITS.details);
  }
  if (data.nonRetryable) bounded.nonRetryable = true;
  return bounded;
}

function describeThrown(thrown: unknown): string {
  return typeof thrown === 'string' ? thrown : `a non-Error value was thrown: ${JSON.stringify(thrown)}`;
}

function jsonOrUndefined(value: unknown): JsonValue | undefined {
  if (value === undefined) return undefined;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
  } catch {
    return undefined;
  }
}

/** Rebuilds a throwable `Error` from its data, keeping name, stack and details. */
export function fromErrorData(data: ErrorData): Error & { details?: JsonValue; nonRetryable?: boolean } {
  const error = new Error(data.message) as Error & { details?: JsonValue; nonRetryable?: boolean };
  error.name = data.name;
  if (data.stack !== undefined) error.stack = data.stack;
  if (data.details !== undefined) error.details = data.details;
  if (data.nonRetryable) error.nonRetryable = true;
  return error;
}
