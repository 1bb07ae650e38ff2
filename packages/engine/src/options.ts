import type { Clock } from '@reprise/actors';
import {
  type ActivityDefinition,
  type Duration,
  InvalidArgumentError,
  type SearchAttributeSchema,
  type SearchAttributes,
  supportsOwnership,
  supportsRetention,
  toMs,
  type WorkflowDefinition,
  type WorkflowStore,
} from '@reprise/core';
import { checkPayloadLimit } from '@reprise/core/internal';

/**
 * Where the engine reports what it skipped or retried, and where workflow code's `ctx.log`
 * lines go (with the run's `workflowId`, `runId` and `workflowType` in `details`); by default
 * `console`, quiet except warnings (warnings and errors, as pino's level `warn`). A level it
 * lacks is dropped. For pino (or any logger called as pino's are, `(fields, message)`), pass
 * `pinoLogger(pino)`; or any logger with this shape.
 */
export interface EngineLogger {
  /** Something the engine skipped, retried or could not do; `details` names what. Also `ctx.log.warn`. */
  warn(message: string, details?: Record<string, unknown>): void;
  /** `ctx.log.debug`. */
  debug?(message: string, details?: Record<string, unknown>): void;
  /** `ctx.log.info`. */
  info?(message: string, details?: Record<string, unknown>): void;
  /** `ctx.log.error`. */
  error?(message: string, details?: Record<string, unknown>): void;
}

/** A logger called as pino's methods are: `(fields, message)`. A pino instance is one. */
export interface PinoLikeLogger {
  /** A warning line. */
  warn(fields: Record<string, unknown>, message: string): void;
  /** A debug line. */
  debug(fields: Record<string, unknown>, message: string): void;
  /** An info line. */
  info(fields: Record<string, unknown>, message: string): void;
  /** An error line. */
  error(fields: Record<string, unknown>, message: string): void;
}

/**
 * The engine's `logger` for a pino logger (or any with pino's call shape): each line goes to
 * the same level, its details as pino's merging object, so pino's own level filters apply.
 */
export function pinoLogger(logger: PinoLikeLogger): EngineLogger {
  return {
    debug: (message, details) => logger.debug(details ?? {}, message),
    info: (message, details) => logger.info(details ?? {}, message),
    warn: (message, details) => logger.warn(details ?? {}, message),
    error: (message, details) => logger.error(details ?? {}, message),
  };
}

/** Options of shard ownership (`EngineOptions.ownership`), for a store several engines share. */
export interface OwnershipOptions {
  /** This engine's name among the store's owners; unique per engine, random by default. */
  readonly ownerId?: string;
  /**
   * How long a lease lasts unless renewed, in ms of the store's clock (default 3,000): a dead
   * engine's runs are taken over this long after its last renewal. Renewed every third of it.
   */
  readonly leaseTtlMs?: number;
  /**
   * How often, in ms, the inbox of the owned shards and the runs other engines own that callers
   * here wait on are read, besides the store's notices, which may be lost (default 500).
   */
  readonly pollMs?: number;
  /** At most this many shards newly claimed per renewal (default 8): rebalancing is gradual. */
  readonly maxNewShards?: number;
  /**
   * `false` makes a **client** engine: it claims no shard, so it runs no workflow, schedule or
   * retention sweep, and counts in no fair share. Every operation goes through the inbox of the
   * engine that owns the workflow's shard (start, signal, cancel, terminate, executeUpdate,
   * pause, resume, reset, fork, query), and the call resolves once that engine has recorded it
   * (an update: with its result). Reads (`describe`, `history`, `list`, `result`) come from the
   * store. With no live owner, a call waits in the inbox until an engine takes the shard. Needs
   * a store with shard ownership. Default `true`.
   */
  readonly claimShards?: boolean;
}

/** Options of `Engine.create`. */
export interface EngineOptions {
  /** Where histories live; an `InMemoryStore` if not given. The engine closes it on shutdown. */
  readonly store?: WorkflowStore;
  /** The workflow definitions (`defineWorkflow`) this engine runs; each name once. */
  // biome-ignore lint/suspicious/noExplicitAny: definitions of any input and output types are accepted
  readonly workflows: readonly WorkflowDefinition<any, any>[];
  /** The activity definitions (`defineActivity`) workflows may call; each name once. */
  // biome-ignore lint/suspicious/noExplicitAny: definitions of any input and output types are accepted
  readonly activities?: readonly ActivityDefinition<any, any>[];
  /** Time for timers, retries and `recordedAt`; the system clock by default. */
  readonly clock?: Clock;
  /** Search attributes that starts and `ctx.upsertSearchAttributes` may set. */
  readonly searchAttributes?: SearchAttributeSchema;
  /** The most runs kept in memory; runs waiting on something are evicted beyond it. Unlimited by default. */
  readonly maxResident?: number;
  /**
   * The most `engine.start` calls in progress at once, from their check until their
   * WorkflowStarted is durable (or they fail); later ones wait their turn, first come first
   * served, and are refused with `EngineClosedError` if shutdown begins first. A burst of
   * starts then goes through its commits as a pipeline instead of all at once, which keeps
   * memory down and finishes sooner. Bad arguments are still refused at the call. 128 by
   * default; `Infinity` admits every start at once.
   */
  readonly maxConcurrentStarts?: number;
  /**
   * A run that has waited this long with nothing to do (no activity attempt running)
   * hibernates, as with `gen_server`'s `hibernate_after`: its actor keeps its place under its
   * type supervisor, its interpreter and the code's frames are let go, and the next input wakes
   * it by replaying its history. Checked in rounds of a quarter of the time; `0` hibernates a run
   * as soon as it waits. Never by default.
   */
  readonly hibernateAfter?: Duration;
  /** The largest payload, in bytes of JSON (2 MiB by default). */
  readonly maxPayloadBytes?: number;
  /** Where warnings and `ctx.log` lines go; by default `console.warn` and `console.error`, nothing quieter. */
  readonly logger?: EngineLogger;
  /**
   * Which code this engine runs, recorded in every run it starts (`WorkflowStarted.buildId`)
   * and carries on (`BuildChanged`); `engine.list({ buildId })` filters by it, and a `pinned`
   * workflow type is resumed only by an engine of the same build. By default `src-` and 16 hex
   * digits of a SHA-256 of the registered workflow functions' source (see `defaultBuildId`):
   * set it to your release's version or commit to name builds yourself.
   */
  readonly buildId?: string;
  /**
   * Deletes closed workflows (history, visibility row, index entries) whose latest run closed
   * longer ago than this, such as `'30d'`: in the background, in batches of 100 workflows, each
   * one atomic step of the store. Never an open workflow, nor a child whose parent still runs.
   * The store must implement `RetentionStore` (the in-memory and LMDB stores do). Off by default:
   * histories are kept forever.
   */
  readonly retention?: Duration;
  /**
   * For a store that several engines share (one that implements `OwnershipStore`, such as
   * `SharedInMemoryStore` or the PostgreSQL store): this engine's owner id, its lease TTL
   * (default 3 s, renewed every third of it), how often it polls its inbox (default 500 ms) and
   * how many new shards it claims per renewal (default 8). The engine claims a fair share of the
   * store's shards, runs only their workflows, and sends starts, signals, cancels and updates of
   * other workflows to their owner's inbox. Ignored for a store without shard ownership.
   */
  readonly ownership?: OwnershipOptions;
}

/** How a start treats an id used before. */
export type IdReusePolicy = 'allowDuplicate' | 'allowDuplicateFailedOnly' | 'rejectDuplicate';

/** Options of `engine.start`. */
export interface StartOptions {
  /** The workflow id; a random one by default. */
  readonly workflowId?: string;
  /** The run's search attributes, checked against the engine's schema. */
  readonly searchAttributes?: SearchAttributes;
  /** The run times out (WorkflowTimedOut) this long after it starts. */
  readonly executionTimeout?: Duration;
  /** When the id has closed runs: `allowDuplicate` (default) starts a new run. */
  readonly idReusePolicy?: IdReusePolicy;
  /** When the id is running: `fail` (default) throws WorkflowAlreadyStartedError, `useExisting` returns its handle. */
  readonly onConflict?: 'fail' | 'useExisting';
}

/** The store operations the engine calls; a value without them is refused at create. */
const STORE_METHODS = ['append', 'readHistory', 'listActive', 'getSummary', 'close'] as const;

/**
 * Checks the options `Engine.create` cannot work without, so a wrong one is refused up front with
 * an InvalidArgumentError naming it, not met later as a TypeError deep inside.
 */
export function checkEngineOptions(options: EngineOptions): void {
  if (!options || !Array.isArray(options.workflows)) {
    throw new InvalidArgumentError('Engine.create', 'expects { workflows: [...] } at least');
  }
  const store = options.store as unknown as Record<string, unknown> | undefined;
  if (store !== undefined) {
    const missing = STORE_METHODS.filter((name) => typeof store?.[name] !== 'function');
    if (missing.length > 0) {
      throw new InvalidArgumentError('store', `is not a WorkflowStore: it has no ${missing.join(', ')}`);
    }
  }
  checkPayloadLimit(options.maxPayloadBytes);
  checkOwnershipOptions(options.ownership);
  if (
    options.ownership?.claimShards === false &&
    (store === undefined || !supportsOwnership(store as object))
  ) {
    throw new InvalidArgumentError(
      'ownership.claimShards',
      'false (a client engine) needs a store with shard ownership (PostgreSQL, SharedInMemoryStore)',
    );
  }
  if (options.retention !== undefined) {
    if (toMs(options.retention) <= 0) {
      throw new InvalidArgumentError(
        'retention',
        `${JSON.stringify(options.retention)} must be a positive duration`,
      );
    }
    if (store !== undefined && !supportsRetention(store as object)) {
      throw new InvalidArgumentError(
        'retention',
        'needs a store that can delete closed workflows (deleteClosed)',
      );
    }
  }
}

/** Checks `EngineOptions.ownership`: an owner id that is a non-empty string, positive numbers. */
function checkOwnershipOptions(ownership: OwnershipOptions | undefined): void {
  if (ownership === undefined) return;
  const { ownerId, leaseTtlMs, pollMs, maxNewShards, claimShards } = ownership;
  if (claimShards !== undefined && typeof claimShards !== 'boolean') {
    throw new InvalidArgumentError(
      'ownership.claimShards',
      `${JSON.stringify(claimShards)} must be a boolean`,
    );
  }
  if (ownerId !== undefined && (typeof ownerId !== 'string' || ownerId === '')) {
    throw new InvalidArgumentError(
      'ownership.ownerId',
      `${JSON.stringify(ownerId)} must be a non-empty string`,
    );
  }
  for (const [name, value] of [
    ['leaseTtlMs', leaseTtlMs],
    ['pollMs', pollMs],
  ] as const) {
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      throw new InvalidArgumentError(
        `ownership.${name}`,
        `${JSON.stringify(value)} must be a positive number of ms`,
      );
    }
  }
  if (maxNewShards !== undefined && !(Number.isInteger(maxNewShards) && maxNewShards >= 1)) {
    throw new InvalidArgumentError(
      'ownership.maxNewShards',
      `${JSON.stringify(maxNewShards)} must be a positive integer`,
    );
  }
}
