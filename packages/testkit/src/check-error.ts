import { RepriseError } from '@reprise/core';
import fc from 'fast-check';

/**
 * A check found a counterexample. Its message is the whole report: what went wrong, the
 * recorded history as a numbered timeline with the place marked, the generated scenario (shrunk
 * to a small one), and the seed and path that reproduce it.
 */
export class ReplayCheckError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'replay_check_failed';
  constructor(
    /** Which check, on which workflow: `checkReplay(order)`. */
    readonly check: string,
    /** The report of the shrunk counterexample. */
    readonly report: string,
    /** Pass these back (`{ seed, path }`) to run the counterexample again first. */
    readonly seed: number,
    /** fast-check's path to the shrunk counterexample, given with `seed`. */
    readonly path: string,
  ) {
    super(`${check} failed\n\n${report}\n\nreproduce with { seed: ${seed}, path: ${JSON.stringify(path)} }`);
  }
}

/** A failed case inside a property: its report, already readable (`runCheck` turns it into a `ReplayCheckError`). */
export class CaseFailure extends RepriseError {
  readonly code = 'check_case_failed';
  constructor(readonly report: string) {
    super(report);
  }
}

/** How a check runs its property. */
export interface PropertyRunOptions {
  /** Generated cases to try (fast-check's `numRuns`). */
  readonly numRuns?: number;
  /** Reproduce a reported counterexample: its seed ... */
  readonly seed?: number;
  /** ... and its path. */
  readonly path?: string;
}

/** The check running now: checks set `Date.now()` and `Math.random()` while they run, so they take turns. */
let running: Promise<unknown> = Promise.resolve();

/**
 * Runs `property` over `arbitrary` with fast-check (which shrinks a failure to a small case)
 * and turns a failure into a `ReplayCheckError` carrying the shrunk case's report. Checks
 * started together run one after the other.
 */
export function runCheck<T>(
  check: string,
  arbitrary: fc.Arbitrary<T>,
  property: (value: T) => Promise<void>,
  options: PropertyRunOptions,
  defaultRuns: number,
): Promise<void> {
  const turn = running.then(() => runProperty(check, arbitrary, property, options, defaultRuns));
  running = turn.catch(() => undefined);
  return turn;
}

async function runProperty<T>(
  check: string,
  arbitrary: fc.Arbitrary<T>,
  property: (value: T) => Promise<void>,
  options: PropertyRunOptions,
  defaultRuns: number,
): Promise<void> {
  const details = await fc.check(fc.asyncProperty(arbitrary, property), {
    numRuns: options.numRuns ?? defaultRuns,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.path === undefined ? {} : { path: options.path }),
  });
  if (!details.failed) return;
  const error = details.errorInstance;
  const found = `found after ${details.numRuns} generated case(s), shrunk ${details.numShrinks} time(s)`;
  const report =
    error instanceof CaseFailure
      ? `${error.report}\n\n(${found})`
      : `the check itself failed (${found}):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  throw new ReplayCheckError(check, report, details.seed, details.counterexamplePath ?? '');
}
