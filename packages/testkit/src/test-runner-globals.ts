import type { afterEach, describe, expect, it } from '@jest/globals';
import { RepriseError } from '@reprise/core';

/** The functions of the test runner a suite declares its tests with (Jest's, by their types). */
export interface TestRunnerGlobals {
  readonly describe: typeof describe;
  readonly it: typeof it;
  readonly expect: typeof expect;
  readonly afterEach: typeof afterEach;
}

const NAMES = ['describe', 'it', 'expect', 'afterEach'] as const;

/**
 * A testkit function that declares tests (`describeEventStoreConformance`) was called where no
 * test runner provides `describe`, `it`, `expect` and `afterEach` as globals: in a plain
 * script, or under a runner configured without them.
 */
export class NoTestRunnerError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'no_test_runner';
  constructor(
    /** The function that was called. */
    readonly caller: string,
    /** The globals that were missing. */
    readonly missing: readonly string[],
  ) {
    super(
      `${caller} declares tests with describe, it, expect and afterEach, and this process has no ` +
        `${missing.join(', ')}: call it from a Jest test file (injectGlobals is on by default) or ` +
        'a runner that provides them as globals (vitest with globals: true)',
    );
  }
}

/**
 * The runner's `describe`, `it`, `expect` and `afterEach`, read from the globals Jest injects
 * into every test file. Read when a suite is declared rather than imported from
 * `@jest/globals` when the module loads, which throws outside Jest: so the testkit's other
 * tools work in any process. Throws `NoTestRunnerError` (naming `caller`) when any is missing.
 */
export function testRunnerGlobals(caller: string): TestRunnerGlobals {
  const scope = globalThis as Partial<Record<(typeof NAMES)[number], unknown>>;
  const missing = NAMES.filter((name) => typeof scope[name] !== 'function');
  if (missing.length > 0) throw new NoTestRunnerError(caller, missing);
  return scope as unknown as TestRunnerGlobals;
}
