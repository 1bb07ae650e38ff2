import { type Duration, toMs } from './duration.js';
import type { ErrorData } from './error-data.js';
import { InvalidArgumentError } from './errors.js';

/** How an activity is retried, as written by users (durations may be strings). */
export interface RetryPolicyInput {
  /** The wait before the first retry; 1 s by default. */
  readonly initialInterval?: Duration;
  /** Each wait is the previous one times this (at least 1); 2 by default. */
  readonly backoffCoefficient?: number;
  /** No wait is longer; 100 × `initialInterval` by default. */
  readonly maximumInterval?: Duration;
  /** Attempts in all, the first included; 0 means unlimited. */
  readonly maximumAttempts?: number;
  /** Error names (`ErrorData.name`) that are never retried. */
  readonly nonRetryableErrorTypes?: readonly string[];
}

/** A retry policy with every field resolved to milliseconds. */
export interface RetryPolicy {
  /** The wait before the first retry, in ms. */
  readonly initialInterval: number;
  /** Each wait is the previous one times this. */
  readonly backoffCoefficient: number;
  /** The longest wait, in ms. */
  readonly maximumInterval: number;
  /** Attempts in all, the first included; 0 means unlimited. */
  readonly maximumAttempts: number;
  /** Error names (`ErrorData.name`) that are never retried. */
  readonly nonRetryableErrorTypes: readonly string[];
}

/** Temporal's defaults: 1 s, doubling, capped at 100 × the initial interval, unlimited attempts. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  initialInterval: 1000,
  backoffCoefficient: 2,
  maximumInterval: 100_000,
  maximumAttempts: 0,
  nonRetryableErrorTypes: [],
};

/** What `normalizeRetryPolicy` gives for no policy: one object for every activity that sets none. */
const NORMALIZED_DEFAULT: RetryPolicy = Object.freeze({
  ...DEFAULT_RETRY_POLICY,
  nonRetryableErrorTypes: Object.freeze([]) as readonly string[],
});

/** Resolves a user's policy against the defaults, refusing values out of their domain. */
export function normalizeRetryPolicy(input?: RetryPolicyInput): RetryPolicy {
  if (input === undefined) return NORMALIZED_DEFAULT;
  const initialInterval =
    input.initialInterval === undefined ? DEFAULT_RETRY_POLICY.initialInterval : toMs(input.initialInterval);
  const backoffCoefficient = input.backoffCoefficient ?? DEFAULT_RETRY_POLICY.backoffCoefficient;
  if (!Number.isFinite(backoffCoefficient) || backoffCoefficient < 1) {
    throw new InvalidArgumentError(
      'retry.backoffCoefficient',
      `${backoffCoefficient} must be a finite number >= 1`,
    );
  }
  const maximumInterval =
    input.maximumInterval === undefined
      ? Math.max(initialInterval * 100, initialInterval)
      : toMs(input.maximumInterval);
  if (maximumInterval < initialInterval) {
    throw new InvalidArgumentError(
      'retry.maximumInterval',
      `${maximumInterval} ms is less than initialInterval ${initialInterval} ms`,
    );
  }
  const maximumAttempts = input.maximumAttempts ?? DEFAULT_RETRY_POLICY.maximumAttempts;
  if (!Number.isInteger(maximumAttempts) || maximumAttempts < 0) {
    throw new InvalidArgumentError(
      'retry.maximumAttempts',
      `${maximumAttempts} must be a non-negative integer`,
    );
  }
  const nonRetryableErrorTypes = input.nonRetryableErrorTypes ?? [];
  if (
    !Array.isArray(nonRetryableErrorTypes) ||
    nonRetryableErrorTypes.some((name) => typeof name !== 'string')
  ) {
    throw new InvalidArgumentError('retry.nonRetryableErrorTypes', 'must be an array of error names');
  }
  return {
    initialInterval,
    backoffCoefficient,
    maximumInterval,
    maximumAttempts,
    nonRetryableErrorTypes: [...nonRetryableErrorTypes],
  };
}

/** Whether the policy forbids retrying this error whatever the attempt count. */
export function isNonRetryable(policy: RetryPolicy, error: ErrorData): boolean {
  return error.nonRetryable === true || policy.nonRetryableErrorTypes.includes(error.name);
}

/**
 * The delay before the attempt after `attempt` (1-based, the attempt that just failed), or
 * `undefined` when no further attempt is allowed: attempts exhausted or the error is
 * non-retryable. The delay is `initialInterval × backoffCoefficient^(attempt-1)`, capped at
 * `maximumInterval`. No jitter: retries are recorded, so the delay must be reproducible.
 */
export function nextRetryDelay(policy: RetryPolicy, attempt: number, error?: ErrorData): number | undefined {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new InvalidArgumentError('attempt', `${attempt} must be a positive integer`);
  }
  if (error && isNonRetryable(policy, error)) return undefined;
  if (policy.maximumAttempts > 0 && attempt >= policy.maximumAttempts) return undefined;
  const delay = policy.initialInterval * policy.backoffCoefficient ** (attempt - 1);
  return Math.min(delay, policy.maximumInterval);
}
