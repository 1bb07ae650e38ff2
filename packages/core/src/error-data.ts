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
 * Turns anything thrown into `ErrorData`. A thrown non-Error (a string, an object) keeps its
 * JSON form in `details` so nothing the code said is lost.
 */
export function toErrorData(thrown: unknown): ErrorData {
  if (thrown instanceof Error) {
    const extra = thrown as Error & { details?: unknown; nonRetryable?: unknown };
    const data: { -readonly [K in keyof ErrorData]: ErrorData[K] } = {
      name: thrown.name || 'Error',
      message: thrown.message,
    };
    if (thrown.stack !== undefined) data.stack = thrown.stack;
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
