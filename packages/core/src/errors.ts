import { type ErrorData, fromErrorData } from './error-data.js';

/**
 * The mark of a Reprise error, a property of its prototype. `@reprise/actors` is usable alone
 * and imports nothing of core, so its errors cannot extend `RepriseError`: they carry this
 * mark instead (`Symbol.for`, so both packages name the same symbol without sharing a module),
 * and `instanceof RepriseError` accepts it. So does an error of a second copy of core.
 */
export const REPRISE_ERROR_BRAND: unique symbol = Symbol.for('reprise.error') as never;

const ordinaryInstanceOf = Function.prototype[Symbol.hasInstance];

/**
 * The root of every error Reprise throws on purpose. `code` is stable across versions and is
 * what callers should branch on; the message is for people. `err instanceof RepriseError`
 * holds for the actors' errors too (see `REPRISE_ERROR_BRAND`).
 */
export abstract class RepriseError extends Error {
  /** A snake_case name of the failure, stable across versions: what callers branch on. */
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Subclasses (`instanceof PayloadError`) keep the ordinary test: the mark says Reprise, not which error. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class asked about, RepriseError or a subclass inheriting this method
    return (this === RepriseError && isBranded(value)) || ordinaryInstanceOf.call(this, value);
  }
}
Object.defineProperty(RepriseError.prototype, REPRISE_ERROR_BRAND, { value: true });

const isBranded = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  (value as { readonly [REPRISE_ERROR_BRAND]?: unknown })[REPRISE_ERROR_BRAND] === true;

/** A value that cannot cross the payload boundary (not JSON, too big, cyclic ...). */
export class PayloadError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'invalid_payload';
  constructor(
    /** Where the bad value sits, e.g. `input.items[2].price`. */
    readonly path: string,
    /** What is wrong with it, e.g. `undefined is not JSON`. */
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** A duration string or number that does not denote a non-negative finite time span. */
export class DurationError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'invalid_duration';
  constructor(
    /** The value given as a duration. */
    readonly value: unknown,
  ) {
    super(
      `invalid duration ${JSON.stringify(value) ?? String(value)}: expected milliseconds (a non-negative finite number) or a string such as '250ms', '5s', '2m', '1h', '1d'`,
    );
  }
}

/** Any other argument that is out of its domain; `argument` names it. */
export class InvalidArgumentError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'invalid_argument';
  constructor(
    /** The argument or option, e.g. `workflowId` or `retry.maximumAttempts`. */
    readonly argument: string,
    message: string,
  ) {
    super(`${argument}: ${message}`);
  }
}

/** An event that is not one of the known variants or lacks a field its variant requires. */
export class InvalidEventError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'invalid_event';
  constructor(
    /** The event's 0-based index in the appended batch. */
    readonly index: number,
    message: string,
  ) {
    super(`event #${index}: ${message}`);
  }
}

/** A conditional append whose `expectedSeq` is not the workflow's last seq. */
export class ConcurrencyConflict extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'concurrency_conflict';
  constructor(
    /** The workflow appended to. */
    readonly workflowId: string,
    /** The last seq the append expected. */
    readonly expectedSeq: number,
    /** The last seq the store holds. */
    readonly actualSeq: number,
  ) {
    super(`workflow ${workflowId}: expected last seq ${expectedSeq}, found ${actualSeq}`);
  }
}

/** A search attribute that the schema does not declare or whose value has the wrong type. */
export class SearchAttributeError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'invalid_search_attribute';
  constructor(
    /** The attribute's name. */
    readonly attribute: string,
    message: string,
  ) {
    super(`search attribute ${JSON.stringify(attribute)}: ${message}`);
  }
}

/** A store was used after `close()`. */
export class StoreClosedError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'store_closed';
  constructor(operation: string) {
    super(`store is closed: cannot ${operation}`);
  }
}

/** Stored bytes that cannot be decoded; `key` names the damaged record. */
export class StoreCorruption extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'store_corruption';
  constructor(
    /** The damaged record's key, as the store names it. */
    readonly key: string,
    /** What is wrong with it (a checksum that fails, a value that is not JSON, a gap). */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`corrupt record at ${key}: ${reason}`, options);
  }
}

/**
 * No workflow with this id exists; for a signal from workflow code (`ctx.signalWorkflow`), no
 * open run of it exists (`detail` then says it is closed, as Temporal reports it).
 */
export class WorkflowNotFoundError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'workflow_not_found';
  constructor(
    /** The id looked for. */
    readonly workflowId: string,
    /** What more is known, e.g. `it is closed (Completed)`. */
    detail?: string,
  ) {
    super(`workflow ${JSON.stringify(workflowId)} not found${detail ? `: ${detail}` : ''}`);
  }
}

/** A start refused by the id-reuse policy or because the id is running. */
export class WorkflowAlreadyStartedError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'workflow_already_started';
  constructor(
    /** The id the start asked for. */
    readonly workflowId: string,
    /** The id's latest run. */
    readonly runId: string,
    /** That run's status. */
    readonly status: string,
  ) {
    super(`workflow ${JSON.stringify(workflowId)} already exists (run ${runId}, ${status})`);
  }
}

/** A workflow type that no registered definition has. */
export class UnknownWorkflowTypeError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'unknown_workflow_type';
  constructor(
    /** The type asked for. */
    readonly workflowType: string,
  ) {
    super(
      `unknown workflow type ${JSON.stringify(workflowType)}: register it in Engine.create({ workflows })`,
    );
  }
}

/** An activity that no registered definition has. */
export class UnknownActivityError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'unknown_activity';
  constructor(
    /** The activity name asked for. */
    readonly activityType: string,
  ) {
    super(`unknown activity ${JSON.stringify(activityType)}: register it in Engine.create({ activities })`);
  }
}

/** A signal (or other command) addressed to a run that has already closed. */
export class WorkflowClosedError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'workflow_closed';
  constructor(
    /** The workflow addressed. */
    readonly workflowId: string,
    /** The status its run closed with. */
    readonly status: string,
  ) {
    super(`workflow ${JSON.stringify(workflowId)} is closed (${status})`);
  }
}

/** The run ended `Failed`; `failure` is the recorded error. */
export class WorkflowFailedError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'workflow_failed';
  constructor(
    /** The workflow whose run failed. */
    readonly workflowId: string,
    /** The error recorded in its WorkflowFailed. */
    readonly failure: ErrorData,
  ) {
    super(`workflow ${JSON.stringify(workflowId)} failed: ${failure.name}: ${failure.message}`);
  }
}

/** The run ended `Cancelled`. */
export class WorkflowCancelledError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'workflow_cancelled';
  constructor(
    /** The workflow whose run was cancelled. */
    readonly workflowId: string,
    /** The reason given to `cancel`, if any. */
    readonly reason: string | undefined,
  ) {
    super(`workflow ${JSON.stringify(workflowId)} was cancelled${reason ? `: ${reason}` : ''}`);
  }
}

/** The run ended `TimedOut`. */
export class WorkflowTimedOutError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'workflow_timed_out';
  constructor(
    /** The workflow whose run timed out. */
    readonly workflowId: string,
    /** The run's execution timeout, in ms. */
    readonly timeoutMs: number,
  ) {
    super(`workflow ${JSON.stringify(workflowId)} timed out after ${timeoutMs} ms`);
  }
}

/** The run ended `Terminated`: it was ended from outside (`handle.terminate`) and ran no clean-up code. */
export class WorkflowTerminatedError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'workflow_terminated';
  constructor(
    /** The workflow whose run was terminated. */
    readonly workflowId: string,
    /** The reason given to `terminate`, if any. */
    readonly reason: string | undefined,
  ) {
    super(`workflow ${JSON.stringify(workflowId)} was terminated${reason ? `: ${reason}` : ''}`);
  }
}

/**
 * An update was refused before anything was recorded: the run has no handler of that name, or
 * its validator threw (`reason` is what it threw, as text).
 */
export class UpdateRejectedError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'update_rejected';
  constructor(
    /** The workflow addressed. */
    readonly workflowId: string,
    /** The update's name. */
    readonly updateName: string,
    /** Why it was refused. */
    readonly reason: string,
  ) {
    super(
      `update ${JSON.stringify(updateName)} of workflow ${JSON.stringify(workflowId)} was rejected: ${reason}`,
    );
  }
}

/** An accepted update's handler threw; `failure` is its recorded error, `cause` that error rebuilt. */
export class UpdateFailedError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'update_failed';
  constructor(
    /** The workflow addressed. */
    readonly workflowId: string,
    /** The update's name. */
    readonly updateName: string,
    /** The update's id. */
    readonly updateId: string,
    /** The handler's error, as recorded. */
    readonly failure: ErrorData,
  ) {
    super(
      `update ${JSON.stringify(updateName)} (${updateId}) of workflow ${JSON.stringify(workflowId)} failed: ${failure.message}`,
      {
        cause: fromErrorData(failure),
      },
    );
  }
}

/** Raised inside workflow code (and to waiters) when the work it awaited was cancelled. */
export class CancelledError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'cancelled';
  constructor(
    /** The reason given to the cancel, if any. */
    readonly reason?: string,
  ) {
    super(reason ? `cancelled: ${reason}` : 'cancelled');
  }
}

/** An activity failed for good (retries exhausted or non-retryable); `failure` is its last error. */
export class ActivityFailure extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'activity_failed';
  constructor(
    /** The activity's name. */
    readonly activityType: string,
    /** The activity's id in its run (`<runId>.<n>`). */
    readonly activityId: string,
    /** The last attempt, 1-based. */
    readonly attempt: number,
    /** That attempt's error. */
    readonly failure: ErrorData,
  ) {
    super(`activity ${activityType} (${activityId}) failed after ${attempt} attempt(s): ${failure.message}`);
  }
}

/**
 * A child workflow ended other than `Completed`; `failure` says how, as recorded data, and the
 * standard `cause` is the child's error rebuilt from it (name, message, stack, details).
 */
export class ChildWorkflowFailure extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'child_workflow_failed';
  constructor(
    /** The child's workflow id. */
    readonly childWorkflowId: string,
    /** How the child ended: its recorded error, or a `CancelledError` as data if it was cancelled. */
    readonly failure: ErrorData,
  ) {
    super(`child workflow ${JSON.stringify(childWorkflowId)} failed: ${failure.message}`, {
      cause: fromErrorData(failure),
    });
  }
}

/**
 * A query handler called a `ctx` method that issues a command or moves the run's state (an
 * activity, a sleep, a signal wait, a random draw ...). Queries are read-only and never
 * recorded: what the handler asked for would otherwise be recorded by the run's next step, and
 * replay, which runs no queries, would then diverge. The query fails; the run is untouched.
 */
export class QueryNotReadOnlyError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'query_not_read_only';
  constructor(
    /** The query whose handler misbehaved. */
    readonly queryName: string,
    /** The `ctx` method the handler called, e.g. `sleep`. */
    readonly call: string,
  ) {
    super(
      `query ${JSON.stringify(queryName)} called ctx.${call}: a query handler may read the workflow's state and ctx.now(), but must not issue commands or draw random values`,
    );
  }
}

/**
 * Replayed workflow code asked for something other than what its history recorded.
 * The run is stalled, not failed: deploying code that matches resumes it.
 */
export class NonDeterminismError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'non_determinism';
  constructor(
    /** The workflow whose run diverged. */
    readonly workflowId: string,
    /** The 0-based position of the command in the run. */
    readonly position: number,
    /** What history recorded at that position (`undefined`: nothing more was recorded). */
    readonly recorded: string | undefined,
    /** What the code asked for (`undefined`: the code finished early). */
    readonly requested: string | undefined,
    /**
     * The seq of the recorded event where replay parted from history (`undefined`: past the
     * last event). Not always the command at `position`: an input the code could not take, or
     * the run's end, is an event of its own.
     */
    readonly seq?: number,
  ) {
    super(
      `workflow ${JSON.stringify(workflowId)} diverged from its history at command #${position}: recorded ${recorded ?? 'nothing'}, code asked for ${requested ?? 'nothing'}`,
    );
  }
}

/**
 * Workflow code threw a programming error (a `TypeError`, `ReferenceError`, `SyntaxError` or
 * `RangeError` by default; see the `stallOn` / `failOn` options of `defineWorkflow`). A bug is
 * not an outcome: the run is stalled, not failed, and nothing of the step that threw is recorded
 * but its input; deploying fixed code resumes it.
 */
export class WorkflowCodeError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'workflow_code_error';
  constructor(
    /** The workflow whose code threw. */
    readonly workflowId: string,
    /** The 0-based position of the command the code would have issued next. */
    readonly position: number,
    /** What the code threw, as data: name, message and stack. */
    readonly error: ErrorData,
  ) {
    super(
      `workflow ${JSON.stringify(workflowId)} threw ${error.name}: ${error.message} after command #${position} (a bug in its code: the run is stalled, not failed; deploy a fix to resume it)`,
    );
  }
}

/** Why a run is stalled: its replay diverged from its history, or its code threw a bug. */
export type StallCause = NonDeterminismError | WorkflowCodeError;

/**
 * The workflow's open run is stalled: replaying it diverged from its history (`cause` is the
 * `NonDeterminismError`), or its code threw a bug (`cause` is the `WorkflowCodeError`). It is
 * not closed: signals and cancel requests to it are recorded, and code that matches its history
 * resumes it; until then it has no live state to answer queries.
 */
export class WorkflowStalledError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'workflow_stalled';
  /** The 0-based position of the command where replay diverged, or after which the code threw. */
  readonly position: number;
  constructor(
    /** The stalled workflow. */
    readonly workflowId: string,
    /** Its open run, the one that diverged. */
    readonly runId: string,
    cause: StallCause,
  ) {
    super(
      cause instanceof WorkflowCodeError
        ? `workflow ${JSON.stringify(workflowId)} (run ${runId}) is stalled: its code threw ${cause.error.name}: ${cause.error.message} after command #${cause.position}; deploy a fix to resume it`
        : `workflow ${JSON.stringify(workflowId)} (run ${runId}) is stalled: replay diverged from its history at command #${cause.position} (recorded ${cause.recorded ?? 'nothing'}, code asked for ${cause.requested ?? 'nothing'}); deploy code that matches its history to resume it`,
      { cause },
    );
    this.position = cause.position;
  }
}

/**
 * A store whose files were written in a format this version does not read (a newer one, or
 * none it knows), or one it would migrate but may not write (opened read-only): `migrate` then
 * says how to migrate it. The store refuses to open it rather than rewrite it.
 */
export class StoreFormatError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'store_format_unsupported';
  constructor(
    /** Where the store lives. */
    readonly path: string,
    /** The format version found on disk (`undefined` when there is no format record). */
    readonly found: number | undefined,
    /** The format version this code reads and writes. */
    readonly supported: number,
    /**
     * How to migrate the store to `supported`, in words (e.g. the command to run), when this
     * version can migrate it; `undefined` when it cannot.
     */
    readonly migrate?: string,
  ) {
    super(
      found === undefined
        ? `store at ${path} has data but no format record; refusing to open it as format ${supported}`
        : migrate === undefined
          ? `store at ${path} has format version ${found}; this version reads format ${supported} only and will not rewrite it`
          : `store at ${path} has format version ${found}; this version reads format ${supported} and migrates ${found} in place only when it may write the store: ${migrate}`,
    );
  }
}

/**
 * The store's files could not be opened, grown or written: permissions, a read-only file
 * system, a full disk, a file size limit, an I/O error. Nothing of the failed operation was
 * written; `cause` holds what the system reported.
 */
export class StoreUnavailableError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'store_unavailable';
  constructor(
    /** Where the store lives. */
    readonly path: string,
    /** What was being done, e.g. `open` or `append`. */
    readonly operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`store at ${path}: cannot ${operation}: ${message}`, options);
  }
}

/**
 * A schedule spec that cannot fire: a cron expression that does not parse (or never matches),
 * an unknown time zone, a zero, negative or non-finite interval. `field` names the part.
 */
export class InvalidScheduleSpecError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'invalid_schedule_spec';
  constructor(
    /** `cron`, `timezone`, `every`, `offset`, or `spec` for the shape as a whole. */
    readonly field: string,
    /** The value given for it. */
    readonly value: unknown,
    reason: string,
  ) {
    super(`schedule spec ${field} ${JSON.stringify(value) ?? String(value)}: ${reason}`);
  }
}

/** A schedule create whose id names a schedule that exists (and was not deleted). */
export class ScheduleAlreadyExistsError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'schedule_already_exists';
  constructor(
    /** The id the create asked for. */
    readonly scheduleId: string,
  ) {
    super(`schedule ${JSON.stringify(scheduleId)} already exists`);
  }
}

/** No schedule with this id exists (or it was deleted). */
export class ScheduleNotFoundError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'schedule_not_found';
  constructor(
    /** The id looked for. */
    readonly scheduleId: string,
  ) {
    super(`schedule ${JSON.stringify(scheduleId)} not found`);
  }
}

/**
 * An append (or inbox consumption) carried a shard fence that is no longer current: the shard's
 * lease has passed to another owner (its epoch moved on), was released, or expired on the
 * store's clock. Nothing was written. The engine that gets it no longer owns the shard's runs.
 */
export class FencedError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'fenced';
  constructor(
    /** The shard the fence named. */
    readonly shard: number,
    /** The epoch the fence carried. */
    readonly fenceEpoch: number,
    /** The shard's current epoch (the fence's own when the lease expired or was released). */
    readonly currentEpoch: number,
    /** Why it is not current: another epoch, or the lease expired or was released. */
    readonly reason: 'epoch' | 'expired' | 'released' = 'epoch',
  ) {
    super(
      reason === 'epoch'
        ? `shard ${shard}: fence epoch ${fenceEpoch} is stale, the current epoch is ${currentEpoch}; nothing written`
        : `shard ${shard}: the lease of epoch ${fenceEpoch} has ${reason} (current epoch ${currentEpoch}); nothing written`,
    );
  }
}

/**
 * An append or consumption named an inbox item that is not pending: it was consumed already (by
 * this owner before a retry, or by another), or never existed. Nothing was written.
 */
export class InboxItemGoneError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'inbox_item_gone';
  constructor(
    /** The item's id. */
    readonly itemId: string,
  ) {
    super(
      `inbox item ${JSON.stringify(itemId)} is not pending (consumed already, or unknown); nothing written`,
    );
  }
}

/**
 * A call on a run this engine was serving could not finish here: the run's shard moved to
 * another engine (its lease was lost or taken over). The run goes on under its new owner; ask
 * again (a handle reaches it through the store).
 */
export class ShardMovedError extends RepriseError {
  /** Stable across versions; branch on it. */
  readonly code = 'shard_moved';
  constructor(
    /** The workflow whose shard moved. */
    readonly workflowId: string,
    /** Its shard. */
    readonly shard: number,
  ) {
    super(`workflow ${JSON.stringify(workflowId)}: shard ${shard} moved to another engine; call again`);
  }
}
