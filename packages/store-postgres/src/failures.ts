import { RepriseError, StoreClosedError, StoreUnavailableError } from '@reprise/core';

/** SQLSTATE classes and codes that say the server cannot be reached now, or the session was cut. */
const UNREACHABLE_STATES = new Set([
  '57P01', // admin_shutdown (pg_ctl stop / restart -m fast)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, recovering)
  '53300', // too_many_connections
]);

/** What Node and `pg` say when a connection fails or is cut. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOENT', // a unix socket that is gone while the server restarts
]);

const UNREACHABLE_MESSAGES = [
  'Connection terminated',
  'connection error',
  'timeout exceeded when trying to connect',
  'Connection ended unexpectedly',
  'the database system is',
];

/**
 * Whether an error says the server could not be reached or the connection was cut: nothing is
 * wrong with the request, and it may succeed once the server is back.
 */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof RepriseError) return false;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (code.startsWith('08') || UNREACHABLE_STATES.has(code))) return true;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
  return typeof message === 'string' && UNREACHABLE_MESSAGES.some((part) => message.includes(part));
}

/** Whether a transaction failed only because it met another one (retrying it is safe). */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01'; // serialization_failure, deadlock_detected
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A failure below the store as its caller gets it: typed when the server is unreachable. */
export function storeFailure(error: unknown, target: string, operation: string): unknown {
  if (error instanceof RepriseError) return error;
  if (isUnreachable(error)) {
    return new StoreUnavailableError(target, operation, `the server cannot be reached: ${messageOf(error)}`, {
      cause: error,
    });
  }
  return error;
}

/** The first wait before retrying, and the longest one. */
const FIRST_BACKOFF_MS = 25;
const MAX_BACKOFF_MS = 1_000;

/** What a retry loop needs to know of the store. */
export interface RetryContext {
  /** Where the store connects, for error messages. */
  readonly target: string;
  /** How long to keep retrying an unreachable server, in ms. */
  readonly reconnectTimeoutMs: number;
  /** Whether the store was closed meanwhile (then the loop stops with `StoreClosedError`). */
  isClosed(): boolean;
}

/**
 * Runs `attempt` until it succeeds, retrying with exponential backoff (25 ms doubling to 1 s)
 * while the server is unreachable or the transaction met a deadlock, for at most
 * `reconnectTimeoutMs`; then throws `StoreUnavailableError`. Other errors go through at once.
 * `attempt` gets the number of earlier attempts that failed, so an append can tell a retry.
 */
export async function withRetry<T>(
  context: RetryContext,
  operation: string,
  attempt: (failures: number) => Promise<T>,
): Promise<T> {
  const started = performance.now();
  let backoff = FIRST_BACKOFF_MS;
  for (let failures = 0; ; failures++) {
    try {
      return await attempt(failures);
    } catch (error) {
      const retryable = isUnreachable(error) || isTransient(error);
      const elapsed = performance.now() - started;
      if (!retryable || elapsed + backoff > context.reconnectTimeoutMs) {
        throw storeFailure(error, context.target, operation);
      }
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      if (context.isClosed()) throw new StoreClosedError(operation);
    }
  }
}
