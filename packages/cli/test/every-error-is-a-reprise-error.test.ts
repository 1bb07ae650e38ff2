// Every error class exported by core, actors, store-lmdb, testkit and cli is a RepriseError with a non-empty code that stays what it was (the engine's are left to its restructuring).
import * as actors from '@reprise/actors';
import * as cli from '@reprise/cli';
import * as core from '@reprise/core';
import * as storeLmdb from '@reprise/store-lmdb';
import * as testkit from '@reprise/testkit';
import * as testkitInternal from '@reprise/testkit/internal';

const packages: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  '@reprise/core': core,
  '@reprise/actors': actors,
  '@reprise/testkit/internal': testkitInternal,
  '@reprise/store-lmdb': storeLmdb,
  '@reprise/testkit': testkit,
  '@reprise/cli': cli,
};

/** The abstract roots: nothing is an instance of them but through a subclass. */
const ROOTS = new Set<unknown>([core.RepriseError, actors.ActorError]);

const failure = { name: 'Error', message: 'card declined' };
const divergence = new core.NonDeterminismError('w', 2, 'TimerStarted t1', 'ActivityScheduled charge', 5);

/** One instance of each exported error class, and the code it must carry. */
const samples: Readonly<Record<string, readonly [() => Error, string]>> = {
  ActivityFailure: [() => new core.ActivityFailure('charge', 'r.1', 3, failure), 'activity_failed'],
  CancelledError: [() => new core.CancelledError('by the user'), 'cancelled'],
  ChildWorkflowFailure: [() => new core.ChildWorkflowFailure('child-1', failure), 'child_workflow_failed'],
  ConcurrencyConflict: [() => new core.ConcurrencyConflict('w', 3, 4), 'concurrency_conflict'],
  ContinueAsNewRequest: [() => new core.ContinueAsNewRequest(1, undefined), 'continue_as_new'],
  DurationError: [() => new core.DurationError('5 parsecs'), 'invalid_duration'],
  InvalidArgumentError: [
    () => new core.InvalidArgumentError('limit', 'must be positive'),
    'invalid_argument',
  ],
  InvalidEventError: [() => new core.InvalidEventError(3, 'no type'), 'invalid_event'],
  InvalidScheduleSpecError: [
    () => new core.InvalidScheduleSpecError('cron', '* *', 'too few fields'),
    'invalid_schedule_spec',
  ],
  NonDeterminismError: [() => divergence, 'non_determinism'],
  PayloadError: [() => new core.PayloadError('input.price', 'not a finite number'), 'invalid_payload'],
  QueryNotReadOnlyError: [() => new core.QueryNotReadOnlyError('status', 'sleep'), 'query_not_read_only'],
  ScheduleAlreadyExistsError: [
    () => new core.ScheduleAlreadyExistsError('nightly'),
    'schedule_already_exists',
  ],
  ScheduleNotFoundError: [() => new core.ScheduleNotFoundError('nightly'), 'schedule_not_found'],
  SearchAttributeError: [
    () => new core.SearchAttributeError('vip', 'not a bool'),
    'invalid_search_attribute',
  ],
  StoreClosedError: [() => new core.StoreClosedError('append'), 'store_closed'],
  StoreCorruption: [() => new core.StoreCorruption('w/1', 'not JSON'), 'store_corruption'],
  StoreFormatError: [() => new core.StoreFormatError('/data', 9, 1), 'store_format_unsupported'],
  StoreUnavailableError: [
    () => new core.StoreUnavailableError('/data', 'open', 'EACCES'),
    'store_unavailable',
  ],
  TimeoutError: [() => new core.TimeoutError(500), 'timeout'],
  WorkflowCodeError: [
    () => new core.WorkflowCodeError('w', 2, { name: 'TypeError', message: 'x is undefined' }),
    'workflow_code_error',
  ],
  UnknownActivityError: [() => new core.UnknownActivityError('charge'), 'unknown_activity'],
  UnknownWorkflowTypeError: [() => new core.UnknownWorkflowTypeError('order'), 'unknown_workflow_type'],
  WorkflowAlreadyStartedError: [
    () => new core.WorkflowAlreadyStartedError('w', 'r', 'Running'),
    'workflow_already_started',
  ],
  WorkflowCancelledError: [() => new core.WorkflowCancelledError('w', undefined), 'workflow_cancelled'],
  WorkflowClosedError: [() => new core.WorkflowClosedError('w', 'Completed'), 'workflow_closed'],
  WorkflowFailedError: [() => new core.WorkflowFailedError('w', failure), 'workflow_failed'],
  WorkflowNotFoundError: [() => new core.WorkflowNotFoundError('w'), 'workflow_not_found'],
  WorkflowStalledError: [() => new core.WorkflowStalledError('w', 'r', divergence), 'workflow_stalled'],
  WorkflowTerminatedError: [
    () => new core.WorkflowTerminatedError('w', 'by the operator'),
    'workflow_terminated',
  ],
  WorkflowTimedOutError: [() => new core.WorkflowTimedOutError('w', 1000), 'workflow_timed_out'],
  UpdateRejectedError: [() => new core.UpdateRejectedError('w', 'add', 'negative'), 'update_rejected'],
  UpdateFailedError: [() => new core.UpdateFailedError('w', 'add', 'u-1', failure), 'update_failed'],
  FencedError: [() => new core.FencedError(3, 4, 5), 'fenced'],
  InboxItemGoneError: [() => new core.InboxItemGoneError('inbox-1'), 'inbox_item_gone'],
  ShardMovedError: [() => new core.ShardMovedError('w', 3), 'shard_moved'],
  NoProcError: [() => new actors.NoProcError(undefined), 'noproc'],
  SupervisorError: [() => new actors.SupervisorError('not_found', { childId: 'worker' }), 'not_found'],
  NoTestRunnerError: [
    () => new testkit.NoTestRunnerError('describeEventStoreConformance', ['it']),
    'no_test_runner',
  ],
  CaseFailure: [() => new testkitInternal.CaseFailure('replay diverged'), 'check_case_failed'],
  ReplayCheckError: [
    () => new testkit.ReplayCheckError('checkReplay(order)', 'report', 1, ''),
    'replay_check_failed',
  ],
  WorkerExitedError: [() => new testkitInternal.WorkerExitedError('worker.ts', 1, 'boom'), 'worker_exited'],
  CliError: [() => new cli.CliError('usage', 'replay needs --module'), 'usage'],
};

/** Every exported class whose instances are errors, by export name, each class once. */
function exportedErrorClasses(): Map<string, { readonly from: string; readonly errorClass: unknown }> {
  const found = new Map<string, { from: string; errorClass: unknown }>();
  for (const [from, exports] of Object.entries(packages)) {
    for (const [name, value] of Object.entries(exports)) {
      const isErrorClass =
        typeof value === 'function' && (value as { prototype?: unknown }).prototype instanceof Error;
      if (isErrorClass && !ROOTS.has(value) && found.get(name)?.errorClass !== value) {
        expect({ name, from, alreadyFrom: found.get(name)?.from }).toEqual({
          name,
          from,
          alreadyFrom: undefined,
        });
        found.set(name, { from, errorClass: value });
      }
    }
  }
  return found;
}

it('has a sample of every exported error class (a new one needs its line here, and its code)', () => {
  expect([...exportedErrorClasses().keys()].sort()).toEqual(Object.keys(samples).sort());
});

it.each(Object.entries(samples))('%s is a RepriseError with its stable code', (name, [make, code]) => {
  const error = make();
  const errorClass = exportedErrorClasses().get(name)?.errorClass as abstract new (...args: never[]) => Error;
  expect(error).toBeInstanceOf(errorClass);
  expect(error instanceof core.RepriseError).toBe(true);
  expect(error).toMatchObject({ code });
  expect(code).toMatch(/^[a-z][a-z_]*[a-z]$/);
});

it("recognizes the actors' errors by their mark, not every error as any Reprise error", () => {
  const noproc = new actors.NoProcError(undefined, 'the actor system has shut down');
  expect(noproc instanceof core.RepriseError).toBe(true);
  expect(noproc instanceof actors.ActorError).toBe(true);
  // The mark says "a Reprise error", not which: the subclasses of RepriseError test as usual.
  expect(noproc instanceof core.PayloadError).toBe(false);
  expect(new core.PayloadError('x', 'y') instanceof actors.ActorError).toBe(false);
  expect(new Error('plain') instanceof core.RepriseError).toBe(false);
  expect(new cli.CliError('usage', 'x') instanceof core.NonDeterminismError).toBe(false);
});
