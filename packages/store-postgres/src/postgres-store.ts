import { randomUUID } from 'node:crypto';
import {
  type AppendOptions,
  type AppendResult,
  type ClaimShardsOptions,
  ConcurrencyConflict,
  checkPayload,
  type DeleteClosedOptions,
  type DeleteClosedResult,
  type DueTimer,
  decodePayload,
  EMPTY_PROJECTION,
  encodePayload,
  FencedError,
  type InboxConsumption,
  type InboxItem,
  InboxItemGoneError,
  type InboxKind,
  type InboxNotice,
  type InboxRequest,
  type InboxStatus,
  InvalidArgumentError,
  type LiveOwner,
  type OwnershipStore,
  projectEvents,
  type ReadHistoryOptions,
  type RetentionStore,
  type ShardFence,
  type ShardFilter,
  type ShardLease,
  StoreClosedError,
  StoreCorruption,
  shardOf,
  type VisibilityFilter,
  type VisibilityPage,
  type WorkflowEvent,
  type WorkflowId,
  type WorkflowProjection,
  type WorkflowStore,
  type WorkflowSummary,
} from '@reprise/core';
import {
  checkClaim,
  checkInboxRequest,
  checkPayloadLimit,
  closesRun,
  encodeEventBatch,
  movesOnlyHistoryLength,
  normalizeFilter,
  retentionCandidates,
} from '@reprise/core/internal';
import pg, { type Pool, type QueryResultRow } from 'pg';
import {
  AppendGroups,
  type GroupedAppend,
  type GroupedOutcome,
  groupedAppendSql,
  groupedAppendValues,
  type RowColumns,
} from './append-group.js';
import { isTransient, isUnreachable, withRetry } from './failures.js';
import { InboxNotices, notifySql } from './inbox-notices.js';
import { fromKey, toKey } from './keys.js';
import { claimShards, type LeaseTables, liveOwnersOf, liveOwnersQuery, releaseShards } from './leases.js';
import { migrate, quoted } from './migrations.js';
import { checkOptions, type PostgresConnection, type PostgresStoreOptions } from './options.js';
import { describeRecord, storedEvent, storedProjection, storedSummary, summaryText } from './rows.js';
import { countRows, type ListRow, queryPage } from './visibility-query.js';

/**
 * A workflow store on PostgreSQL: `EventStore & VisibilityStore & RetentionStore`, shared by
 * every process that opens the same schema. See the package README for the contract.
 */
export interface PostgresStore extends WorkflowStore, RetentionStore, OwnershipStore {
  /** The schema that holds the store's tables. */
  readonly schema: string;
  /** Where the store connects, without credentials (for messages and logs). */
  readonly target: string;
  /** Waits for appends in flight, then releases the connections (a pool it was given stays open). Idempotent. */
  close(): Promise<void>;
}

/** How many active ids `listActive` reads per query. */
const ACTIVE_CHUNK = 1024;
/** How many workflows' projections the append path keeps (see `#known`). */
const KNOWN_CACHE_SIZE = 10_000;
/** How many times an append rereads a row that changed under it at the same seq. */
const MAX_REREADS = 5;

/**
 * Opens the store in `connection` (a connection string, or a `pg.Pool` of the caller's) and
 * brings its schema to this version (see `migrations/`). Options may be given in the first
 * argument or the second (which wins).
 *
 * Throws `InvalidArgumentError` for bad options, `StoreUnavailableError` when the server cannot
 * be reached within `reconnectTimeoutMs`, and `StoreFormatError` when the schema is at a later
 * version than this code, or holds tables that are not a store's.
 */
export async function openPostgresStore(
  connection: PostgresConnection & PostgresStoreOptions,
  options: PostgresStoreOptions = {},
): Promise<PostgresStore> {
  const merged: PostgresStoreOptions = { ...pickOptions(connection), ...options };
  const { schema, reconnectTimeoutMs, shardCount, notifications, groupAppends } = checkOptions(
    connection,
    merged,
  );
  const maxPayloadBytes = checkPayloadLimit(merged.maxPayloadBytes);
  const owned = !('pool' in connection);
  const pool: Pool =
    'pool' in connection
      ? connection.pool
      : new pg.Pool({
          connectionString: connection.connectionString,
          max: connection.maxConnections ?? 10,
          connectionTimeoutMillis: 10_000,
        });
  // An idle connection the server cuts (a restart) is dropped from the pool; without a listener
  // its error would end the process.
  if (owned) pool.on('error', () => {});
  const target = describeTarget(pool);
  const retry = { target: `${target} schema ${schema}`, reconnectTimeoutMs, isClosed: () => false };
  try {
    const migrated = await withRetry(retry, 'open', async () => {
      const client = await pool.connect();
      try {
        const result = await migrate(client, schema, target, shardCount);
        client.release();
        return result;
      } catch (error) {
        client.release(error instanceof Error ? error : true);
        throw error;
      }
    });
    return new PostgresWorkflowStore(pool, owned, leasePool(pool), schema, target, {
      reconnectTimeoutMs,
      maxPayloadBytes,
      shardCount: migrated.shardCount,
      listen: notifications ? (pool.options as pg.ClientConfig) : undefined,
      groupAppends,
    });
  } catch (error) {
    if (owned) await pool.end().catch(() => {});
    throw error;
  }
}

/**
 * The connection of the lease calls (`claimShards`, `releaseShards`): one of their own, beside
 * the pool, so that a renewal never waits for a pool connection behind the workload's queries (a
 * recovery replaying hundreds of runs queues that many; a renewal behind them comes after its
 * lease has expired, and the engine loses every shard it holds).
 */
function leasePool(pool: Pool): Pool {
  const lease = new pg.Pool({
    ...(pool.options as pg.PoolConfig),
    max: 1,
    connectionTimeoutMillis: 10_000,
  });
  // As the main pool's: an idle connection the server cuts is dropped and opened again.
  lease.on('error', () => {});
  return lease;
}

/** The store options given beside the connection, in the first argument. */
function pickOptions(given: PostgresStoreOptions | null | undefined): PostgresStoreOptions {
  const picked: Record<string, unknown> = {};
  for (const key of OPTION_KEYS) {
    const value = given?.[key];
    if (value !== undefined) picked[key] = value;
  }
  return picked as PostgresStoreOptions;
}

/** Every key of `PostgresStoreOptions`: the compiler checks the list is whole. */
const OPTION_KEYS = Object.keys({
  schema: true,
  maxPayloadBytes: true,
  reconnectTimeoutMs: true,
  shardCount: true,
  notifications: true,
  groupAppends: true,
} satisfies Record<keyof PostgresStoreOptions, true>) as (keyof PostgresStoreOptions)[];

/** `postgresql://host:port/database`, without user or password. */
function describeTarget(pool: Pool): string {
  const options = pool.options as {
    connectionString?: string;
    host?: string;
    port?: number;
    database?: string;
  };
  if (options.connectionString) {
    try {
      const url = new URL(options.connectionString);
      return `${url.protocol}//${url.host}${url.pathname}`;
    } catch {
      return 'postgresql (connection string not shown)';
    }
  }
  return `postgresql://${options.host ?? 'localhost'}:${options.port ?? 5432}/${options.database ?? ''}`;
}

/** A workflow's row as this process last wrote or read it: what an append builds on. */
interface Known {
  readonly lastSeq: number;
  /** The row version (`xmin`): the row is unchanged while it is the same. */
  readonly xmin: string;
  readonly projection: WorkflowProjection;
}

/** What an append to a workflow without a row builds on. */
const NO_ROW: Known = { lastSeq: 0, xmin: '', projection: EMPTY_PROJECTION };

/** What the append's statement did: wrote (the row as it left it), or why not. */
interface WriteOutcome {
  readonly known?: Known;
  readonly fenced?: FencedError;
  /** The id of a consumed item that was not pending. */
  readonly gone?: string;
}

/** The `FencedError` of a fence against the lease as read (`undefined` when the fence is current). */
function fenceFailure(
  fence: ShardFence,
  epoch: string | null | undefined,
  held: boolean | null | undefined,
  live: boolean | null | undefined,
): FencedError | undefined {
  const current = epoch == null ? 0 : Number(epoch);
  if (current !== fence.epoch) return new FencedError(fence.shard, fence.epoch, current, 'epoch');
  if (!held) return new FencedError(fence.shard, fence.epoch, current, 'released');
  if (!live) return new FencedError(fence.shard, fence.epoch, current, 'expired');
  return undefined;
}

/** Checks consumptions (each needs the fence); returns their ids and encoded outcomes. */
function checkConsumptions(
  consumptions: readonly InboxConsumption[] | undefined,
  fence: ShardFence | undefined,
): { id: string; outcome: string }[] {
  if (consumptions === undefined || consumptions.length === 0) return [];
  if (fence === undefined) throw new InvalidArgumentError('fence', 'consuming inbox items needs a fence');
  const seen = new Set<string>();
  return consumptions.map(({ id, outcome }) => {
    if (typeof id !== 'string' || !/^[1-9][0-9]{0,17}$/.test(id) || seen.has(id))
      throw new InboxItemGoneError(String(id));
    seen.add(id);
    return { id, outcome: encodePayload(checkPayload(outcome, { path: `inbox ${id} outcome` })) };
  });
}

/** One append, checked: its texts (what is written) and whether it moves only the history length. */
interface Batch {
  readonly workflowId: WorkflowId;
  readonly key: Buffer;
  readonly expectedSeq: number;
  readonly texts: readonly string[];
  readonly onlyLength: boolean;
  /** The workflow's shard. */
  readonly shard: number;
  readonly fence: ShardFence | undefined;
  /** Inbox items consumed with the append: ids and encoded outcomes. */
  readonly consume: readonly { readonly id: string; readonly outcome: string }[];
}

/** How many grouped statements one store has under way at once (see `AppendGroups`). */
const GROUPS_IN_FLIGHT = 4;

/** An append waiting in a group: what it builds on and how its caller learns the outcome. */
interface GroupItem {
  readonly batch: Batch;
  readonly known: Known;
  resolve(outcome: WriteOutcome): void;
  reject(error: unknown): void;
}

/** What an append writes, computed from the row it builds on. */
interface Plan {
  readonly projection: WorkflowProjection;
  readonly append: GroupedAppend;
}

class PostgresWorkflowStore implements PostgresStore {
  readonly #pool: Pool;
  readonly #owned: boolean;
  /** The lease calls' own connection (see `leasePool`); always this store's. */
  readonly #leasePool: Pool;
  readonly schema: string;
  readonly target: string;
  readonly #payloadLimit: { readonly maxBytes: number } | undefined;
  readonly #t: { workflows: string; events: string; timers: string; inbox: string } & LeaseTables;
  readonly shardCount: number;
  readonly #notices: InboxNotices;
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Per workflow id, this process's latest append not settled yet: the next one waits for it. */
  readonly #inFlight = new Map<string, Promise<unknown>>();
  /** Rows this process wrote or read last, by workflow id (bounded; oldest dropped first). */
  readonly #known = new Map<string, Known>();
  #pending = 0;
  #drained: (() => void) | undefined;
  readonly retry;
  /** Appends waiting to go in a grouped statement (`undefined`: grouping is off). */
  readonly #groups: AppendGroups<GroupItem> | undefined;
  readonly #groupedSql: string;

  constructor(
    pool: Pool,
    owned: boolean,
    leases: Pool,
    schema: string,
    target: string,
    settings: {
      reconnectTimeoutMs: number;
      maxPayloadBytes: number | undefined;
      shardCount: number;
      listen: pg.ClientConfig | undefined;
      groupAppends: boolean;
    },
  ) {
    const { reconnectTimeoutMs, maxPayloadBytes } = settings;
    this.#pool = pool;
    this.#owned = owned;
    this.#leasePool = leases;
    this.schema = schema;
    this.target = `${target} schema ${schema}`;
    this.shardCount = settings.shardCount;
    this.#payloadLimit = maxPayloadBytes === undefined ? undefined : { maxBytes: maxPayloadBytes };
    const q = quoted(schema);
    this.#t = {
      workflows: `${q}.workflows`,
      events: `${q}.events`,
      timers: `${q}.timers`,
      inbox: `${q}.inbox`,
      leases: `${q}.shard_leases`,
      epochs: `${q}.shard_epochs`,
      owners: `${q}.owners`,
      config: `${q}.store_config`,
      now: `${q}.store_now()`,
    };
    this.#notices = new InboxNotices(schema, randomUUID(), settings.listen, (channel, payloads) =>
      this.#pool.query('SELECT count(pg_notify($1, p)) FROM unnest($2::text[]) AS p', [channel, payloads]),
    );
    this.retry = {
      target: this.target,
      reconnectTimeoutMs,
      isClosed: () => this.#closed,
    };
    this.#groupedSql = groupedAppendSql(this.#t);
    this.#groups = settings.groupAppends
      ? new AppendGroups(GROUPS_IN_FLIGHT, (items) => this.#writeGroup(items))
      : undefined;
  }

  /** One statement through the pool, retried while the server is unreachable. */
  #query<Row extends QueryResultRow>(
    operation: string,
    text: string,
    values: unknown[] = [],
  ): Promise<Row[]> {
    return withRetry(this.retry, operation, async () => (await this.#pool.query<Row>(text, values)).rows);
  }

  append(
    workflowId: WorkflowId,
    events: readonly WorkflowEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    try {
      this.#assertOpen('append');
      if (typeof workflowId !== 'string') {
        throw new InvalidArgumentError('workflowId', `${JSON.stringify(workflowId)} is not a string`);
      }
      const expectedSeq = options?.expectedSeq;
      const texts = encodeEventBatch(
        events,
        this.#payloadLimit === undefined
          ? { workflowId, expectedSeq }
          : { workflowId, expectedSeq, payload: this.#payloadLimit },
      );
      const shard = shardOf(workflowId, this.shardCount);
      const fence = options.fence;
      if (fence !== undefined && fence.shard !== shard) {
        throw new InvalidArgumentError(
          'fence.shard',
          `${JSON.stringify(fence.shard)} is not the shard of ${JSON.stringify(workflowId)} (${shard})`,
        );
      }
      if (fence !== undefined && !Number.isSafeInteger(fence.epoch)) {
        throw new InvalidArgumentError('fence.epoch', `${JSON.stringify(fence.epoch)} is not an epoch`);
      }
      const consume = checkConsumptions(options.consumeInbox, fence);
      const batch: Batch = {
        workflowId,
        key: toKey(workflowId),
        expectedSeq,
        texts,
        onlyLength: movesOnlyHistoryLength(events) && consume.length === 0,
        shard,
        fence,
        consume,
      };
      // An append builds on the row as the previous one left it, so it waits for this
      // process's previous append to the same workflow; others go at once.
      const previous = this.#inFlight.get(workflowId);
      const issue = () => this.#write(batch);
      const done = previous ? previous.then(issue, issue) : issue();
      this.#inFlight.set(workflowId, done);
      this.#pending++;
      const settle = () => {
        if (this.#inFlight.get(workflowId) === done) this.#inFlight.delete(workflowId);
        if (--this.#pending === 0) this.#drained?.();
      };
      done.then(settle, settle);
      return done;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Writes an append as one statement (one round trip, its own transaction): the row's update,
   * conditional on its last seq and its version being the ones the projection was computed from,
   * the events, and the timers' changes. When the condition fails, it reads the row: another
   * seq is a `ConcurrencyConflict`; the same seq (the row changed under a stale projection) is
   * computed again. A retry after a connection cut mid-statement first checks whether the cut
   * statement committed (its events are there), so the caller never gets a conflict for its own
   * append.
   */
  #write(batch: Batch): Promise<AppendResult> {
    let inDoubt = false;
    return withRetry(this.retry, 'append', async (failures) => {
      this.#assertOpen('append');
      if (failures > 0) inDoubt = true;
      for (let reread = 0; ; reread++) {
        let known = this.#known.get(batch.workflowId);
        // A first append needs no read: its insert writes nothing when the row exists.
        if (known?.lastSeq !== batch.expectedSeq)
          known = batch.expectedSeq === 0 && reread === 0 ? NO_ROW : await this.#readKnown(batch);
        if (known === undefined || known.lastSeq !== batch.expectedSeq) {
          if (inDoubt && (await this.#alreadyWritten(batch))) return this.#written(batch, undefined);
          // A writer that lost its shard learns that, rather than of the conflict it caused.
          if (batch.fence) await this.#checkFence(batch.fence);
          throw new ConcurrencyConflict(batch.workflowId, batch.expectedSeq, known?.lastSeq ?? 0);
        }
        let outcome: WriteOutcome;
        try {
          outcome = await (this.#groups && batch.consume.length === 0
            ? new Promise<WriteOutcome>((resolve, reject) =>
                this.#groups?.submit({ batch, known, resolve, reject }),
              )
            : this.#conditionalWrite(batch, known));
        } catch (error) {
          this.#known.delete(batch.workflowId);
          throw error;
        }
        if (outcome.fenced) throw outcome.fenced;
        if (outcome.known) {
          for (const { id } of batch.consume)
            this.#notices.emit({ kind: 'consumed', id, shard: batch.shard });
          if (closesRun(known.projection, outcome.known.projection))
            this.#notices.runClosed(batch.workflowId, batch.shard);
          return this.#written(batch, outcome.known);
        }
        if (outcome.gone !== undefined) {
          if (inDoubt && (await this.#alreadyWritten(batch))) return this.#written(batch, undefined);
          throw new InboxItemGoneError(outcome.gone);
        }
        this.#known.delete(batch.workflowId);
        if (reread >= MAX_REREADS) {
          throw new ConcurrencyConflict(
            batch.workflowId,
            batch.expectedSeq,
            await this.lastSeq(batch.workflowId),
          );
        }
      }
    });
  }

  #written(batch: Batch, known: Known | undefined): AppendResult {
    if (known) this.#remember(batch.workflowId, known);
    else this.#known.delete(batch.workflowId);
    return { lastSeq: batch.expectedSeq + batch.texts.length };
  }

  /** The row at its current seq (`lastSeq` 0 with no version when there is none). */
  async #readKnown(batch: Batch): Promise<Known | undefined> {
    const rows = (
      await this.#pool.query<{ last_seq: number; xmin: string; summary: string | null; timers: string }>(
        `SELECT last_seq, xmin::text AS xmin, summary, timers FROM ${this.#t.workflows} WHERE workflow_key = $1`,
        [batch.key],
      )
    ).rows;
    const row = rows[0];
    if (!row) return batch.expectedSeq === 0 ? NO_ROW : undefined;
    if (row.last_seq !== batch.expectedSeq)
      return { lastSeq: row.last_seq, xmin: row.xmin, projection: EMPTY_PROJECTION };
    return {
      lastSeq: row.last_seq,
      xmin: row.xmin,
      projection: storedProjection(row.summary, row.timers, batch.workflowId, row.last_seq),
    };
  }

  /** Whether this batch's events are already stored at its seqs (a cut statement that committed). */
  async #alreadyWritten(batch: Batch): Promise<boolean> {
    const rows = (
      await this.#pool.query<{ seq: number; body: string }>(
        `SELECT seq, body FROM ${this.#t.events} WHERE workflow_key = $1 AND seq > $2 AND seq <= $3 ORDER BY seq`,
        [batch.key, batch.expectedSeq, batch.expectedSeq + batch.texts.length],
      )
    ).rows;
    return rows.length === batch.texts.length && rows.every((row, index) => row.body === batch.texts[index]);
  }

  /**
   * The append's one statement: under the fence (the shard's epoch row held FOR SHARE, so a
   * takeover, which raises the epoch, waits for it; the epoch, holder and expiry checked on the
   * store's clock; renewals touch another table and never wait) and with the
   * consumed inbox items locked and pending, the row's update, the events, the timers' changes
   * and the items' consumption; or nothing. Says which condition failed when nothing was written.
   */
  async #conditionalWrite(batch: Batch, known: Known): Promise<WriteOutcome> {
    const { workflows, events, timers, inbox, leases, epochs } = this.#t;
    const lastSeq = batch.expectedSeq + batch.texts.length;
    const values: unknown[] = [batch.key, lastSeq];
    const param = (value: unknown): string => {
      values.push(value);
      return `$${values.length}`;
    };
    const seqs = batch.texts.map((_, index) => batch.expectedSeq + 1 + index);
    const parts: string[] = [];
    const guards: string[] = [];
    const report: string[] = ['(SELECT xmin FROM w) AS xmin'];
    if (batch.fence) {
      parts.push(
        `f AS (SELECT e.epoch, l.owner IS NOT NULL AS held, l.expires_at > ${this.#t.now} AS live FROM ${epochs} e JOIN ${leases} l USING (shard) WHERE e.shard = ${param(batch.shard)} FOR SHARE OF e)`,
      );
      guards.push(
        `EXISTS (SELECT 1 FROM f WHERE f.epoch = ${param(batch.fence.epoch)} AND f.held AND f.live)`,
      );
      report.push(
        '(SELECT epoch FROM f) AS epoch',
        '(SELECT held FROM f) AS held',
        '(SELECT live FROM f) AS live',
      );
    }
    let consumeIds: string | undefined;
    if (batch.consume.length > 0) {
      consumeIds = param(batch.consume.map((item) => item.id));
      parts.push(
        `p AS (SELECT id, shard FROM ${inbox} WHERE id = ANY(${consumeIds}::bigint[]) AND NOT consumed AND workflow_key = $1 FOR UPDATE)`,
      );
      guards.push(`(SELECT count(*) FROM p) = ${param(batch.consume.length)}`);
      report.push('(SELECT array_agg(id::text) FROM p) AS pending');
    }
    const guard = guards.map((condition) => ` AND ${condition}`).join('');
    const { projection, append } = this.#plan(batch, known);
    if (append.columns === undefined) {
      parts.push(
        `w AS (UPDATE ${workflows} SET last_seq = $2 WHERE workflow_key = $1 AND last_seq = ${param(batch.expectedSeq)} AND xmin = ${param(known.xmin)}::xid${guard} RETURNING workflow_key, xmin::text AS xmin)`,
      );
    } else {
      const [summaryP, timersP, statusP, typeP, buildP, createdP, startedP, closedP] =
        append.columns.map(param);
      if (batch.expectedSeq === 0) {
        parts.push(
          `w AS (INSERT INTO ${workflows} (workflow_key, shard, last_seq, summary, timers, status, workflow_type, build_id, created_at, started_at, closed_at) ` +
            `SELECT $1::bytea, ${param(batch.shard)}::int, $2::int, ${summaryP}::text, ${timersP}::text, ${statusP}::text, ${typeP}::text, ${buildP}::text, ` +
            `${createdP}::float8, ${startedP}::float8, ${closedP}::float8 WHERE true${guard} ` +
            'ON CONFLICT (workflow_key) DO NOTHING RETURNING workflow_key, xmin::text AS xmin)',
        );
      } else {
        parts.push(
          `w AS (UPDATE ${workflows} SET last_seq = $2, summary = ${summaryP}, timers = ${timersP}, status = ${statusP}, ` +
            `workflow_type = ${typeP}, build_id = ${buildP}, created_at = ${createdP}, started_at = ${startedP}, closed_at = ${closedP} ` +
            `WHERE workflow_key = $1 AND last_seq = ${param(batch.expectedSeq)} AND xmin = ${param(known.xmin)}::xid${guard} RETURNING workflow_key, xmin::text AS xmin)`,
        );
      }
      const removed = append.removedTimers;
      const changed = append.changedTimers;
      if (removed.length > 0) {
        parts.push(
          `d AS (DELETE FROM ${timers} t USING w WHERE t.workflow_key = w.workflow_key AND t.timer_key = ANY(${param(removed)}::bytea[]))`,
        );
      }
      if (changed.length > 0) {
        parts.push(
          `i AS (INSERT INTO ${timers} (workflow_key, shard, timer_key, fire_at) SELECT w.workflow_key, ${param(batch.shard)}::int, u.k, u.f FROM w, ` +
            `unnest(${param(changed.map(([key]) => key))}::bytea[], ${param(changed.map(([, fireAt]) => fireAt))}::float8[]) AS u(k, f) ` +
            'ON CONFLICT (workflow_key, timer_key) DO UPDATE SET fire_at = EXCLUDED.fire_at)',
        );
      }
    }
    parts.push(
      `e AS (INSERT INTO ${events} (workflow_key, seq, body) SELECT w.workflow_key, u.s, u.b FROM w, ` +
        `unnest(${param(seqs)}::int[], ${param(batch.texts)}::text[]) AS u(s, b))`,
    );
    if (consumeIds !== undefined) {
      parts.push(
        `c AS (UPDATE ${inbox} SET consumed = true, outcome = u.o FROM unnest(${consumeIds}::bigint[], ${param(batch.consume.map((item) => item.outcome))}::text[]) AS u(id, o) ` +
          `WHERE ${inbox}.id = u.id AND EXISTS (SELECT 1 FROM w) RETURNING ${inbox}.id, ${inbox}.shard)`,
      );
      report.push(
        `${notifySql('c', 'consumed', param(this.schema), param(this.#notices.origin))} AS notified`,
      );
    }
    const [row] = (
      await this.#pool.query<{
        xmin: string | null;
        epoch?: string | null;
        held?: boolean | null;
        live?: boolean | null;
        pending?: string[] | null;
      }>(`WITH ${parts.join(', ')} SELECT ${report.join(', ')}`, values)
    ).rows;
    if (row?.xmin) return { known: { lastSeq, xmin: row.xmin, projection } };
    if (batch.fence) {
      const fenced = fenceFailure(batch.fence, row?.epoch, row?.held, row?.live);
      if (fenced) return { fenced };
    }
    if (batch.consume.length > 0) {
      const pending = new Set(row?.pending ?? []);
      const gone = batch.consume.find((item) => !pending.has(item.id));
      if (gone) return { gone: gone.id };
    }
    return {};
  }

  /**
   * What `batch` writes on the row `known`: the new projection, the row's columns (none when the
   * append moves only the history length) and the timers' changes.
   */
  #plan(batch: Batch, known: Known): Plan {
    const lastSeq = batch.expectedSeq + batch.texts.length;
    const base = {
      key: batch.key,
      shard: batch.shard,
      expectedSeq: batch.expectedSeq,
      lastSeq,
      xmin: known.xmin,
      epoch: batch.fence?.epoch,
      texts: batch.texts,
    };
    if (batch.onlyLength && batch.expectedSeq > 0) {
      const summary = known.projection.summary;
      return {
        projection: summary
          ? { ...known.projection, summary: { ...summary, historyLength: lastSeq } }
          : known.projection,
        append: { ...base, columns: undefined, removedTimers: [], changedTimers: [] },
      };
    }
    const projection = projectEvents(
      known.projection,
      batch.texts.map((text) => JSON.parse(text) as WorkflowEvent),
    );
    const summary = projection.summary;
    const columns: RowColumns = [
      summary ? summaryText(summary) : null,
      JSON.stringify([...projection.timers]),
      summary?.status ?? null,
      summary?.workflowType ?? null,
      summary?.buildId ?? null,
      summary?.createdAt ?? null,
      summary?.startedAt ?? null,
      summary?.closedAt ?? null,
    ];
    const removedTimers = [...known.projection.timers.keys()]
      .filter((id) => !projection.timers.has(id))
      .map(toKey);
    const changedTimers = [...projection.timers]
      .filter(([id, fireAt]) => known.projection.timers.get(id) !== fireAt)
      .map(([id, fireAt]) => [toKey(id), fireAt] as const);
    return { projection, append: { ...base, columns, removedTimers, changedTimers } };
  }

  /**
   * Writes a group of appends (of different workflows) as one statement (`groupedAppendSql`)
   * and tells each its outcome, as `#conditionalWrite` would have. A lone append goes as its own
   * statement. When the server cannot be reached or the statement met a deadlock, every append
   * of the group gets that error (and retries); when the statement failed otherwise, each append
   * goes again alone, so that only the one at fault fails.
   */
  async #writeGroup(items: GroupItem[]): Promise<void> {
    const single = (item: GroupItem) =>
      this.#conditionalWrite(item.batch, item.known).then(item.resolve, item.reject);
    if (items.length === 1) return single(items[0] as GroupItem);
    const planned: { item: GroupItem; plan: Plan }[] = [];
    for (const item of items) {
      try {
        planned.push({ item, plan: this.#plan(item.batch, item.known) });
      } catch (error) {
        item.reject(error);
      }
    }
    let rows: GroupedOutcome[];
    try {
      rows = (
        await this.#pool.query<GroupedOutcome>(
          this.#groupedSql,
          groupedAppendValues(planned.map(({ plan }) => plan.append)),
        )
      ).rows;
    } catch (error) {
      if (isUnreachable(error) || isTransient(error)) {
        for (const { item } of planned) item.reject(error);
        return;
      }
      await Promise.all(planned.map(({ item }) => single(item)));
      return;
    }
    for (const [index, { item, plan }] of planned.entries()) {
      const row = rows[index];
      if (row?.xmin) {
        item.resolve({
          known: { lastSeq: plan.append.lastSeq, xmin: row.xmin, projection: plan.projection },
        });
        continue;
      }
      const fence = item.batch.fence;
      const fenced = fence && fenceFailure(fence, row?.epoch, row?.held, row?.live);
      item.resolve(fenced ? { fenced } : {});
    }
  }

  /** Throws `FencedError` unless the fence's lease is held and unexpired now. */
  async #checkFence(fence: ShardFence): Promise<void> {
    const [row] = await this.#query<{ epoch: string; held: boolean; live: boolean }>(
      'append',
      `SELECT e.epoch, l.owner IS NOT NULL AS held, l.expires_at > ${this.#t.now} AS live FROM ${this.#t.epochs} e JOIN ${this.#t.leases} l USING (shard) WHERE e.shard = $1`,
      [fence.shard],
    );
    const fenced = fenceFailure(fence, row?.epoch, row?.held, row?.live);
    if (fenced) throw fenced;
  }

  #remember(workflowId: string, known: Known): void {
    this.#known.delete(workflowId);
    if (this.#known.size >= KNOWN_CACHE_SIZE) {
      const oldest = this.#known.keys().next().value;
      if (oldest !== undefined) this.#known.delete(oldest);
    }
    this.#known.set(workflowId, known);
  }

  async readHistory(workflowId: WorkflowId, options: ReadHistoryOptions = {}): Promise<WorkflowEvent[]> {
    this.#assertOpen('readHistory');
    const fromSeq = options.fromSeq ?? 1;
    if (!Number.isInteger(fromSeq) || fromSeq < 1) {
      throw new InvalidArgumentError('fromSeq', `${JSON.stringify(fromSeq)} must be a positive integer`);
    }
    const rows = await this.#query<{ seq: number; body: string }>(
      'readHistory',
      `SELECT seq, body FROM ${this.#t.events} WHERE workflow_key = $1 AND seq >= $2 ORDER BY seq`,
      [toKey(checkId(workflowId)), fromSeq],
    );
    return rows.map((row, index) => {
      const seq = fromSeq + index;
      if (row.seq !== seq) {
        throw new StoreCorruption(
          describeRecord('events', [workflowId, seq]),
          `missing; the next event is seq ${row.seq}`,
        );
      }
      return storedEvent(row.body, workflowId, seq);
    });
  }

  async lastSeq(workflowId: WorkflowId): Promise<number> {
    this.#assertOpen('lastSeq');
    const rows = await this.#query<{ last_seq: number }>(
      'lastSeq',
      `SELECT last_seq FROM ${this.#t.workflows} WHERE workflow_key = $1`,
      [toKey(checkId(workflowId))],
    );
    return rows[0]?.last_seq ?? 0;
  }

  async *listActive(filter: ShardFilter = {}): AsyncIterable<WorkflowId> {
    const shards = checkShards(filter);
    let after: Buffer | undefined;
    for (;;) {
      this.#assertOpen('listActive');
      const values: unknown[] = [ACTIVE_CHUNK];
      const where = ["status = 'Running'"];
      if (shards) where.push(`shard = ANY($${values.push(shards)}::int[])`);
      if (after !== undefined) where.push(`workflow_key > $${values.push(after)}`);
      const rows = await this.#query<{ workflow_key: Buffer }>(
        'listActive',
        `SELECT workflow_key FROM ${this.#t.workflows} WHERE ${where.join(' AND ')} ORDER BY workflow_key LIMIT $1`,
        values,
      );
      for (const row of rows) yield fromKey(row.workflow_key) as WorkflowId;
      if (rows.length < ACTIVE_CHUNK) return;
      after = rows[rows.length - 1]?.workflow_key;
    }
  }

  async dueTimers(upTo: number, filter: ShardFilter = {}): Promise<DueTimer[]> {
    this.#assertOpen('dueTimers');
    if (typeof upTo !== 'number' || Number.isNaN(upTo)) {
      throw new InvalidArgumentError('upTo', `${JSON.stringify(upTo)} is not epoch milliseconds`);
    }
    const shards = checkShards(filter);
    if (upTo === Number.NEGATIVE_INFINITY) return [];
    const values: unknown[] = [];
    const where: string[] = [];
    if (upTo !== Number.POSITIVE_INFINITY) where.push(`fire_at <= $${values.push(upTo)}`);
    if (shards) where.push(`shard = ANY($${values.push(shards)}::int[])`);
    const rows = await this.#query<{ workflow_key: Buffer; timer_key: Buffer; fire_at: number }>(
      'dueTimers',
      `SELECT workflow_key, timer_key, fire_at FROM ${this.#t.timers}` +
        (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
        ' ORDER BY fire_at, workflow_key, timer_key',
      values,
    );
    return rows.map((row) => ({
      workflowId: fromKey(row.workflow_key) as WorkflowId,
      timerId: fromKey(row.timer_key),
      fireAt: row.fire_at,
    }));
  }

  async claimShards(ownerId: string, options: ClaimShardsOptions): Promise<ShardLease[]> {
    this.#assertOpen('claimShards');
    const maxNew = checkClaim(ownerId, options);
    return this.#transaction(
      'claimShards',
      (client) => claimShards(client, this.#t, this.shardCount, ownerId, options, maxNew),
      this.#leasePool,
    );
  }

  async releaseShards(ownerId: string, shards: readonly number[]): Promise<void> {
    this.#assertOpen('releaseShards');
    if (typeof ownerId !== 'string' || ownerId === '') {
      throw new InvalidArgumentError('ownerId', `${JSON.stringify(ownerId)} must be a non-empty string`);
    }
    if (!Array.isArray(shards)) throw new InvalidArgumentError('shards', 'must be an array of shard numbers');
    await this.#transaction(
      'releaseShards',
      (client) => releaseShards(client, this.#t, ownerId, shards),
      this.#leasePool,
    );
  }

  async liveOwners(): Promise<LiveOwner[]> {
    this.#assertOpen('liveOwners');
    return liveOwnersOf(
      await this.#query<{ owner: string; expires_at: number; shards: string }>(
        'liveOwners',
        liveOwnersQuery(this.#t),
      ),
    );
  }

  async enqueueInbox(request: InboxRequest): Promise<string> {
    this.#assertOpen('enqueueInbox');
    const { workflowId, kind, payloadText: text, shard } = checkInboxRequest(request, this.shardCount);
    // One statement, so no retry can enqueue twice unless the first one's outcome is unknown.
    const [row] = await this.#query<{ id: string }>(
      'enqueueInbox',
      `WITH r AS (INSERT INTO ${this.#t.inbox} (shard, workflow_key, kind, payload, enqueued_at) ` +
        `VALUES ($1, $2, $3, $4, ${this.#t.now}) RETURNING id, shard) ` +
        `SELECT (SELECT id::text FROM r) AS id, ${notifySql('r', 'enqueued', '$5', '$6')} AS notified`,
      [shard, toKey(workflowId), kind, text, this.schema, this.#notices.origin],
    );
    const id = row?.id as string;
    this.#notices.emit({ kind: 'enqueued', id, shard });
    return id;
  }

  async pendingInbox(shards: readonly number[], limit = 100): Promise<InboxItem[]> {
    this.#assertOpen('pendingInbox');
    if (!Number.isInteger(limit) || limit < 1) {
      throw new InvalidArgumentError('limit', `${JSON.stringify(limit)} must be a positive integer`);
    }
    const wanted = checkShards({ shards }) ?? [];
    const rows = await this.#query<{
      id: string;
      shard: number;
      workflow_key: Buffer;
      kind: string;
      payload: string;
      enqueued_at: number;
    }>(
      'pendingInbox',
      `SELECT id::text AS id, shard, workflow_key, kind, payload, enqueued_at FROM ${this.#t.inbox} ` +
        'WHERE NOT consumed AND shard = ANY($1::int[]) ORDER BY id LIMIT $2',
      [wanted, limit],
    );
    return rows.map((row) => ({
      id: row.id,
      shard: row.shard,
      workflowId: fromKey(row.workflow_key) as WorkflowId,
      kind: row.kind as InboxKind,
      payload: decodePayload(row.payload),
      enqueuedAt: row.enqueued_at,
    }));
  }

  async consumeInbox(consumptions: readonly InboxConsumption[], fence: ShardFence): Promise<void> {
    this.#assertOpen('consumeInbox');
    if (fence === undefined) throw new InvalidArgumentError('fence', 'consuming inbox items needs a fence');
    const consume = checkConsumptions(consumptions, fence);
    if (consume.length === 0) return;
    const { inbox, leases, epochs } = this.#t;
    const [row] = await this.#query<{
      epoch: string | null;
      held: boolean | null;
      live: boolean | null;
      pending: string[] | null;
      consumed: string;
    }>(
      'consumeInbox',
      `WITH f AS (SELECT e.epoch, l.owner IS NOT NULL AS held, l.expires_at > ${this.#t.now} AS live FROM ${epochs} e JOIN ${leases} l USING (shard) WHERE e.shard = $1 FOR SHARE OF e), ` +
        `p AS (SELECT id, shard FROM ${inbox} WHERE id = ANY($3::bigint[]) AND NOT consumed AND shard = $1 FOR UPDATE), ` +
        `c AS (UPDATE ${inbox} SET consumed = true, outcome = u.o FROM unnest($3::bigint[], $4::text[]) AS u(id, o) ` +
        `WHERE ${inbox}.id = u.id AND EXISTS (SELECT 1 FROM f WHERE f.epoch = $2 AND f.held AND f.live) ` +
        `AND (SELECT count(*) FROM p) = $5 RETURNING ${inbox}.id, ${inbox}.shard) ` +
        `SELECT (SELECT epoch FROM f) AS epoch, (SELECT held FROM f) AS held, (SELECT live FROM f) AS live, ` +
        `(SELECT array_agg(id::text) FROM p) AS pending, ${notifySql('c', 'consumed', '$6', '$7')} AS consumed`,
      [
        fence.shard,
        fence.epoch,
        consume.map((item) => item.id),
        consume.map((item) => item.outcome),
        consume.length,
        this.schema,
        this.#notices.origin,
      ],
    );
    const fenced = fenceFailure(fence, row?.epoch, row?.held, row?.live);
    if (fenced) throw fenced;
    if (Number(row?.consumed ?? 0) !== consume.length) {
      const pending = new Set(row?.pending ?? []);
      throw new InboxItemGoneError((consume.find((item) => !pending.has(item.id)) ?? consume[0])?.id ?? '');
    }
    for (const { id } of consume) this.#notices.emit({ kind: 'consumed', id, shard: fence.shard });
  }

  async inboxStatus(id: string): Promise<InboxStatus | undefined> {
    this.#assertOpen('inboxStatus');
    if (typeof id !== 'string' || !/^[1-9][0-9]{0,17}$/.test(id)) return undefined;
    const [row] = await this.#query<{ consumed: boolean; outcome: string | null }>(
      'inboxStatus',
      `SELECT consumed, outcome FROM ${this.#t.inbox} WHERE id = $1`,
      [id],
    );
    if (!row) return undefined;
    return row.consumed
      ? { state: 'consumed', outcome: decodePayload(row.outcome ?? 'null') }
      : { state: 'pending' };
  }

  watchInbox(listener: (notice: InboxNotice) => void): () => void {
    this.#assertOpen('watchInbox');
    return this.#notices.watch(listener);
  }

  /**
   * Runs `work` in a transaction of its own on one connection of `pool` (the store's by
   * default), retried while the server is unreachable.
   */
  #transaction<T>(
    operation: string,
    work: (client: pg.PoolClient) => Promise<T>,
    pool: Pool = this.#pool,
  ): Promise<T> {
    return withRetry(this.retry, operation, async () => {
      const client = await pool.connect();
      try {
        const result = await work(client);
        client.release();
        return result;
      } catch (error) {
        client.release(error instanceof Error ? error : true);
        throw error;
      }
    });
  }

  async getSummary(workflowId: WorkflowId): Promise<WorkflowSummary | undefined> {
    this.#assertOpen('getSummary');
    const rows = await this.#query<{ last_seq: number; summary: string | null }>(
      'getSummary',
      `SELECT last_seq, summary FROM ${this.#t.workflows} WHERE workflow_key = $1`,
      [toKey(checkId(workflowId))],
    );
    const row = rows[0];
    return row?.summary == null ? undefined : storedSummary(row.summary, workflowId, row.last_seq);
  }

  async query(filter: VisibilityFilter = {}): Promise<VisibilityPage> {
    this.#assertOpen('query');
    return queryPage(
      this.#t.workflows,
      (text, values) => this.#query<ListRow>('query', text, values),
      normalizeFilter(filter),
    );
  }

  async count(filter: Omit<VisibilityFilter, 'limit' | 'cursor'> = {}): Promise<number> {
    this.#assertOpen('count');
    return countRows(
      this.#t.workflows,
      (text, values) => this.#query<{ count: string }>('count', text, values),
      (text, values) => this.#query<ListRow>('count', text, values),
      normalizeFilter(filter),
    );
  }

  /**
   * Deletes a batch of closed workflows in one statement: each chosen row that still holds the
   * chosen run, closed, at the chosen last seq, with its events and timers. A workflow with an
   * append of this process in flight is kept for a later batch.
   */
  async deleteClosed(options: DeleteClosedOptions): Promise<DeleteClosedResult> {
    this.#assertOpen('deleteClosed');
    const { rows, cursor } = await retentionCandidates(
      this,
      options,
      (workflowId) => options.shards?.includes(shardOf(workflowId, this.shardCount)) ?? true,
    );
    const page = cursor === undefined ? {} : { cursor };
    if (options.dryRun) return { deleted: rows.map((row) => row.workflowId), ...page };
    const chosen = rows.filter((row) => !this.#inFlight.has(row.workflowId));
    if (chosen.length === 0) return { deleted: [], ...page };
    const { workflows, events, timers } = this.#t;
    const gone = await this.#query<{ workflow_key: Buffer }>(
      'deleteClosed',
      `WITH chosen AS (SELECT * FROM unnest($1::bytea[], $2::int[], $3::float8[]) AS c(k, n, closed)), ` +
        `d AS (DELETE FROM ${workflows} w USING chosen c WHERE w.workflow_key = c.k AND w.last_seq = c.n ` +
        `AND w.status IS DISTINCT FROM 'Running' AND w.closed_at = c.closed RETURNING w.workflow_key), ` +
        `e AS (DELETE FROM ${events} WHERE workflow_key IN (SELECT workflow_key FROM d)), ` +
        `t AS (DELETE FROM ${timers} WHERE workflow_key IN (SELECT workflow_key FROM d)) ` +
        'SELECT workflow_key FROM d',
      [
        chosen.map((row) => toKey(row.workflowId)),
        chosen.map((row) => row.historyLength),
        chosen.map((row) => row.closedAt),
      ],
    );
    const deleted = new Set(gone.map((row) => fromKey(row.workflow_key)));
    for (const workflowId of deleted) this.#known.delete(workflowId);
    return { deleted: chosen.map((row) => row.workflowId).filter((id) => deleted.has(id)), ...page };
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#notices.close();
    this.#closing ??= (
      this.#pending === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            this.#drained = resolve;
          })
    ).then(() =>
      Promise.all([this.#leasePool.end(), this.#owned ? this.#pool.end() : undefined]).then(() => {}),
    );
    return this.#closing;
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw new StoreClosedError(operation);
  }
}

/** The shards of a filter, checked (`undefined`: all). */
function checkShards(filter: ShardFilter): number[] | undefined {
  const shards = filter?.shards;
  if (shards === undefined) return undefined;
  if (!Array.isArray(shards) || !shards.every((shard) => Number.isInteger(shard))) {
    throw new InvalidArgumentError('shards', `${JSON.stringify(shards)} must be an array of shard numbers`);
  }
  return [...shards];
}

function checkId(workflowId: unknown): string {
  if (typeof workflowId !== 'string') {
    throw new InvalidArgumentError('workflowId', `${JSON.stringify(workflowId)} is not a string`);
  }
  return workflowId;
}
