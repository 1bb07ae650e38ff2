import {
  type AppendOptions,
  type AppendResult,
  ConcurrencyConflict,
  type DeleteClosedOptions,
  type DeleteClosedResult,
  type DueTimer,
  EMPTY_PROJECTION,
  InvalidArgumentError,
  projectEvents,
  type ReadHistoryOptions,
  type RetentionStore,
  StoreClosedError,
  StoreCorruption,
  type VisibilityFilter,
  type VisibilityPage,
  type WorkflowEvent,
  type WorkflowId,
  type WorkflowProjection,
  type WorkflowStore,
  type WorkflowSummary,
} from '@reprise/core';
import {
  checkPayloadLimit,
  encodeEventBatch,
  movesOnlyHistoryLength,
  normalizeFilter,
  retentionCandidates,
} from '@reprise/core/internal';
import pg, { type Pool, type QueryResultRow } from 'pg';
import { withRetry } from './failures.js';
import { fromKey, toKey } from './keys.js';
import { migrate, quoted } from './migrations.js';
import { checkOptions, type PostgresConnection, type PostgresStoreOptions } from './options.js';
import { describeRecord, storedEvent, storedProjection, storedSummary, summaryText } from './rows.js';
import { countRows, type ListRow, queryPage } from './visibility-query.js';

/**
 * A workflow store on PostgreSQL: `EventStore & VisibilityStore & RetentionStore`, shared by
 * every process that opens the same schema. See the package README for the contract.
 */
export interface PostgresStore extends WorkflowStore, RetentionStore {
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
  const merged: PostgresStoreOptions = {
    ...(connection?.schema === undefined ? {} : { schema: connection.schema }),
    ...(connection?.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: connection.maxPayloadBytes }),
    ...(connection?.reconnectTimeoutMs === undefined
      ? {}
      : { reconnectTimeoutMs: connection.reconnectTimeoutMs }),
    ...options,
  };
  const { schema, reconnectTimeoutMs } = checkOptions(connection, merged);
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
  const store = new PostgresWorkflowStore(pool, owned, schema, target, reconnectTimeoutMs, maxPayloadBytes);
  try {
    await withRetry(store.retry, 'open', async () => {
      const client = await pool.connect();
      try {
        await migrate(client, schema, target);
        client.release();
      } catch (error) {
        client.release(error instanceof Error ? error : true);
        throw error;
      }
    });
  } catch (error) {
    if (owned) await pool.end().catch(() => {});
    throw error;
  }
  return store;
}

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

/** One append, checked: its texts (what is written) and whether it moves only the history length. */
interface Batch {
  readonly workflowId: WorkflowId;
  readonly key: Buffer;
  readonly expectedSeq: number;
  readonly texts: readonly string[];
  readonly onlyLength: boolean;
}

class PostgresWorkflowStore implements PostgresStore {
  readonly #pool: Pool;
  readonly #owned: boolean;
  readonly schema: string;
  readonly target: string;
  readonly #payloadLimit: { readonly maxBytes: number } | undefined;
  readonly #t: { workflows: string; events: string; timers: string };
  #closed = false;
  #closing: Promise<void> | undefined;
  /** Per workflow id, this process's latest append not settled yet: the next one waits for it. */
  readonly #inFlight = new Map<string, Promise<unknown>>();
  /** Rows this process wrote or read last, by workflow id (bounded; oldest dropped first). */
  readonly #known = new Map<string, Known>();
  #pending = 0;
  #drained: (() => void) | undefined;
  readonly retry;

  constructor(
    pool: Pool,
    owned: boolean,
    schema: string,
    target: string,
    reconnectTimeoutMs: number,
    maxPayloadBytes: number | undefined,
  ) {
    this.#pool = pool;
    this.#owned = owned;
    this.schema = schema;
    this.target = `${target} schema ${schema}`;
    this.#payloadLimit = maxPayloadBytes === undefined ? undefined : { maxBytes: maxPayloadBytes };
    const q = quoted(schema);
    this.#t = { workflows: `${q}.workflows`, events: `${q}.events`, timers: `${q}.timers` };
    this.retry = {
      target: this.target,
      reconnectTimeoutMs,
      isClosed: () => this.#closed,
    };
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
      const batch: Batch = {
        workflowId,
        key: toKey(workflowId),
        expectedSeq,
        texts,
        onlyLength: movesOnlyHistoryLength(events),
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
          throw new ConcurrencyConflict(batch.workflowId, batch.expectedSeq, known?.lastSeq ?? 0);
        }
        let result: Known | undefined;
        try {
          result = await this.#conditionalWrite(batch, known);
        } catch (error) {
          this.#known.delete(batch.workflowId);
          throw error;
        }
        if (result) return this.#written(batch, result);
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
   * The append's one statement. Returns the row as it left it, or `undefined` when the row was
   * no longer `known` (nothing written).
   */
  async #conditionalWrite(batch: Batch, known: Known): Promise<Known | undefined> {
    const { workflows, events, timers } = this.#t;
    const lastSeq = batch.expectedSeq + batch.texts.length;
    const values: unknown[] = [batch.key, lastSeq];
    const param = (value: unknown): string => {
      values.push(value);
      return `$${values.length}`;
    };
    const seqs = batch.texts.map((_, index) => batch.expectedSeq + 1 + index);
    let projection = known.projection;
    const parts: string[] = [];
    if (batch.onlyLength && batch.expectedSeq > 0) {
      parts.push(
        `w AS (UPDATE ${workflows} SET last_seq = $2 WHERE workflow_key = $1 AND last_seq = ${param(batch.expectedSeq)} AND xmin = ${param(known.xmin)}::xid RETURNING workflow_key, xmin::text AS xmin)`,
      );
      if (projection.summary)
        projection = { ...projection, summary: { ...projection.summary, historyLength: lastSeq } };
    } else {
      projection = projectEvents(
        known.projection,
        batch.texts.map((text) => JSON.parse(text) as WorkflowEvent),
      );
      const summary = projection.summary;
      const columns = [
        summary ? summaryText(summary) : null,
        JSON.stringify([...projection.timers]),
        summary?.status ?? null,
        summary?.workflowType ?? null,
        summary?.buildId ?? null,
        summary?.createdAt ?? null,
        summary?.startedAt ?? null,
        summary?.closedAt ?? null,
      ].map(param);
      if (batch.expectedSeq === 0) {
        parts.push(
          `w AS (INSERT INTO ${workflows} (workflow_key, last_seq, summary, timers, status, workflow_type, build_id, created_at, started_at, closed_at) ` +
            `VALUES ($1, $2, ${columns.join(', ')}) ON CONFLICT (workflow_key) DO NOTHING RETURNING workflow_key, xmin::text AS xmin)`,
        );
      } else {
        const [summaryP, timersP, statusP, typeP, buildP, createdP, startedP, closedP] = columns;
        parts.push(
          `w AS (UPDATE ${workflows} SET last_seq = $2, summary = ${summaryP}, timers = ${timersP}, status = ${statusP}, ` +
            `workflow_type = ${typeP}, build_id = ${buildP}, created_at = ${createdP}, started_at = ${startedP}, closed_at = ${closedP} ` +
            `WHERE workflow_key = $1 AND last_seq = ${param(batch.expectedSeq)} AND xmin = ${param(known.xmin)}::xid RETURNING workflow_key, xmin::text AS xmin)`,
        );
      }
      const removed = [...known.projection.timers.keys()].filter((id) => !projection.timers.has(id));
      const changed = [...projection.timers].filter(
        ([id, fireAt]) => known.projection.timers.get(id) !== fireAt,
      );
      if (removed.length > 0) {
        parts.push(
          `d AS (DELETE FROM ${timers} t USING w WHERE t.workflow_key = w.workflow_key AND t.timer_key = ANY(${param(removed.map(toKey))}::bytea[]))`,
        );
      }
      if (changed.length > 0) {
        parts.push(
          `i AS (INSERT INTO ${timers} (workflow_key, timer_key, fire_at) SELECT w.workflow_key, u.k, u.f FROM w, ` +
            `unnest(${param(changed.map(([id]) => toKey(id)))}::bytea[], ${param(changed.map(([, fireAt]) => fireAt))}::float8[]) AS u(k, f) ` +
            'ON CONFLICT (workflow_key, timer_key) DO UPDATE SET fire_at = EXCLUDED.fire_at)',
        );
      }
    }
    parts.push(
      `e AS (INSERT INTO ${events} (workflow_key, seq, body) SELECT w.workflow_key, u.s, u.b FROM w, ` +
        `unnest(${param(seqs)}::int[], ${param(batch.texts)}::text[]) AS u(s, b))`,
    );
    const rows = (
      await this.#pool.query<{ xmin: string }>(`WITH ${parts.join(', ')} SELECT xmin FROM w`, values)
    ).rows;
    const row = rows[0];
    return row ? { lastSeq, xmin: row.xmin, projection } : undefined;
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

  async *listActive(): AsyncIterable<WorkflowId> {
    let after: Buffer | undefined;
    for (;;) {
      this.#assertOpen('listActive');
      const rows = await this.#query<{ workflow_key: Buffer }>(
        'listActive',
        `SELECT workflow_key FROM ${this.#t.workflows} WHERE status = 'Running'` +
          (after === undefined ? '' : ' AND workflow_key > $2') +
          ' ORDER BY workflow_key LIMIT $1',
        after === undefined ? [ACTIVE_CHUNK] : [ACTIVE_CHUNK, after],
      );
      for (const row of rows) yield fromKey(row.workflow_key) as WorkflowId;
      if (rows.length < ACTIVE_CHUNK) return;
      after = rows[rows.length - 1]?.workflow_key;
    }
  }

  async dueTimers(upTo: number): Promise<DueTimer[]> {
    this.#assertOpen('dueTimers');
    if (typeof upTo !== 'number' || Number.isNaN(upTo)) {
      throw new InvalidArgumentError('upTo', `${JSON.stringify(upTo)} is not epoch milliseconds`);
    }
    if (upTo === Number.NEGATIVE_INFINITY) return [];
    const rows = await this.#query<{ workflow_key: Buffer; timer_key: Buffer; fire_at: number }>(
      'dueTimers',
      `SELECT workflow_key, timer_key, fire_at FROM ${this.#t.timers}` +
        (upTo === Number.POSITIVE_INFINITY ? '' : ' WHERE fire_at <= $1') +
        ' ORDER BY fire_at, workflow_key, timer_key',
      upTo === Number.POSITIVE_INFINITY ? [] : [upTo],
    );
    return rows.map((row) => ({
      workflowId: fromKey(row.workflow_key) as WorkflowId,
      timerId: fromKey(row.timer_key),
      fireAt: row.fire_at,
    }));
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
    const { rows, cursor } = await retentionCandidates(this, options);
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
    this.#closing ??= (
      this.#pending === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            this.#drained = resolve;
          })
    ).then(() => (this.#owned ? this.#pool.end() : undefined));
    return this.#closing;
  }

  #assertOpen(operation: string): void {
    if (this.#closed) throw new StoreClosedError(operation);
  }
}

function checkId(workflowId: unknown): string {
  if (typeof workflowId !== 'string') {
    throw new InvalidArgumentError('workflowId', `${JSON.stringify(workflowId)} is not a string`);
  }
  return workflowId;
}
