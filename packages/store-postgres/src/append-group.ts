/**
 * Group commit of appends: the appends of several workflows that arrive in the same tick go to
 * PostgreSQL as one statement (one round trip, one transaction), each still conditional on its
 * own row and fence, so that one append's conflict or lost fence writes nothing of it and leaves
 * the others written. `AppendGroups` gathers them; `groupedAppendSql` is the statement.
 */

/** One append as the grouped statement writes it (computed by the store from the row it builds on). */
export interface GroupedAppend {
  readonly key: Buffer;
  readonly shard: number;
  readonly expectedSeq: number;
  readonly lastSeq: number;
  /** The row version the projection was computed from (`''`: no row, an insert). */
  readonly xmin: string;
  /** The row's columns, or `undefined` when the append moves only the history length. */
  readonly columns: RowColumns | undefined;
  /** The epoch of the append's fence (`undefined`: no fence). */
  readonly epoch: number | undefined;
  /** The events, as JSON texts, at seqs `expectedSeq + 1`, .... */
  readonly texts: readonly string[];
  /** Keys of the timers the append removes. */
  readonly removedTimers: readonly Buffer[];
  /** Keys and due times of the timers the append adds or moves. */
  readonly changedTimers: readonly (readonly [Buffer, number])[];
}

/** The workflow row's columns an append writes, in the statement's order. */
export type RowColumns = readonly [
  summary: string | null,
  timers: string,
  status: string | null,
  workflowType: string | null,
  buildId: string | null,
  createdAt: number | null,
  startedAt: number | null,
  closedAt: number | null,
];

/** What the grouped statement says of one append: its new row version, or its fence as read. */
export interface GroupedOutcome {
  /** The row's version after the write; `null` when nothing was written. */
  readonly xmin: string | null;
  readonly epoch: string | null;
  readonly held: boolean | null;
  readonly live: boolean | null;
}

/** The tables the grouped statement writes. */
export interface GroupTables {
  readonly workflows: string;
  readonly events: string;
  readonly timers: string;
  readonly leases: string;
  readonly epochs: string;
  readonly now: string;
}

/**
 * The grouped statement. `u` holds one row per append (`i` its index); `f` reads and holds FOR
 * SHARE the epoch rows of the fenced appends' shards, in shard order (so a takeover, which raises
 * an epoch, waits for the statement, as it does for a single append); `ok` keeps the appends
 * whose fence is current; each of those updates its row (or inserts it, for a first append) only
 * when the row is still at the seq and version its projection was computed from; the events and
 * timers follow the rows written (`w`). The result has one row per append, in index order.
 */
export function groupedAppendSql(t: GroupTables): string {
  return (
    'WITH u AS (SELECT * FROM unnest($1::int[], $2::bytea[], $3::int[], $4::int[], $5::int[], $6::text[], $7::bool[], ' +
    '$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::float8[], $14::float8[], $15::float8[], $16::bigint[]) ' +
    'AS u(i, k, shard, expected, last, xmin, keep, summary, timers, status, wtype, build, created, started, closed, epoch)), ' +
    `f AS (SELECT e.shard, e.epoch, l.owner IS NOT NULL AS held, l.expires_at > ${t.now} AS live FROM ${t.epochs} e ` +
    `JOIN ${t.leases} l USING (shard) WHERE e.shard IN (SELECT shard FROM u WHERE epoch IS NOT NULL) ORDER BY e.shard FOR SHARE OF e), ` +
    'ok AS (SELECT u.* FROM u LEFT JOIN f ON f.shard = u.shard WHERE u.epoch IS NULL OR (f.epoch = u.epoch AND f.held AND f.live)), ' +
    `wu AS (UPDATE ${t.workflows} w SET last_seq = ok.last, ` +
    'summary = CASE WHEN ok.keep THEN w.summary ELSE ok.summary END, timers = CASE WHEN ok.keep THEN w.timers ELSE ok.timers END, ' +
    'status = CASE WHEN ok.keep THEN w.status ELSE ok.status END, workflow_type = CASE WHEN ok.keep THEN w.workflow_type ELSE ok.wtype END, ' +
    'build_id = CASE WHEN ok.keep THEN w.build_id ELSE ok.build END, created_at = CASE WHEN ok.keep THEN w.created_at ELSE ok.created END, ' +
    'started_at = CASE WHEN ok.keep THEN w.started_at ELSE ok.started END, closed_at = CASE WHEN ok.keep THEN w.closed_at ELSE ok.closed END ' +
    'FROM ok WHERE ok.expected > 0 AND w.workflow_key = ok.k AND w.last_seq = ok.expected AND w.xmin = ok.xmin::xid ' +
    'RETURNING ok.i, w.workflow_key, w.xmin::text AS xmin), ' +
    `wi AS (INSERT INTO ${t.workflows} (workflow_key, shard, last_seq, summary, timers, status, workflow_type, build_id, created_at, started_at, closed_at) ` +
    'SELECT k, shard, last, summary, timers, status, wtype, build, created, started, closed FROM ok WHERE expected = 0 ORDER BY k ' +
    'ON CONFLICT (workflow_key) DO NOTHING RETURNING workflow_key, xmin::text AS xmin), ' +
    'w AS (SELECT i, workflow_key, xmin FROM wu UNION ALL SELECT ok.i, wi.workflow_key, wi.xmin FROM wi JOIN ok ON ok.k = wi.workflow_key), ' +
    `e AS (INSERT INTO ${t.events} (workflow_key, seq, body) SELECT w.workflow_key, v.s, v.b ` +
    'FROM unnest($17::int[], $18::int[], $19::text[]) AS v(i, s, b) JOIN w ON w.i = v.i), ' +
    `d AS (DELETE FROM ${t.timers} t USING w, unnest($20::int[], $21::bytea[]) AS r(i, k) ` +
    'WHERE r.i = w.i AND t.workflow_key = w.workflow_key AND t.timer_key = r.k), ' +
    `c AS (INSERT INTO ${t.timers} (workflow_key, shard, timer_key, fire_at) SELECT w.workflow_key, u.shard, n.k, n.f ` +
    'FROM unnest($22::int[], $23::bytea[], $24::float8[]) AS n(i, k, f) JOIN w ON w.i = n.i JOIN u ON u.i = n.i ' +
    'ON CONFLICT (workflow_key, timer_key) DO UPDATE SET fire_at = EXCLUDED.fire_at) ' +
    'SELECT w.xmin, f.epoch::text AS epoch, f.held, f.live FROM u LEFT JOIN w ON w.i = u.i LEFT JOIN f ON f.shard = u.shard ORDER BY u.i'
  );
}

/** The grouped statement's values for `appends` (see `groupedAppendSql`). */
export function groupedAppendValues(appends: readonly GroupedAppend[]): unknown[] {
  const columns: unknown[][] = Array.from({ length: 24 }, () => []);
  const push = (...values: unknown[]) => {
    for (const [index, value] of values.entries()) (columns[index] as unknown[]).push(value);
  };
  const [eventI, eventSeq, eventBody, removedI, removedKey, changedI, changedKey, changedAt] = columns.slice(
    16,
  ) as [unknown[], unknown[], unknown[], unknown[], unknown[], unknown[], unknown[], unknown[]];
  for (const [i, append] of appends.entries()) {
    const row = append.columns ?? [null, '[]', null, null, null, null, null, null];
    push(
      i,
      append.key,
      append.shard,
      append.expectedSeq,
      append.lastSeq,
      append.xmin === '' ? null : append.xmin,
      append.columns === undefined,
      ...row,
      append.epoch ?? null,
    );
    for (const [index, text] of append.texts.entries()) {
      eventI.push(i);
      eventSeq.push(append.expectedSeq + 1 + index);
      eventBody.push(text);
    }
    for (const key of append.removedTimers) {
      removedI.push(i);
      removedKey.push(key);
    }
    for (const [key, fireAt] of append.changedTimers) {
      changedI.push(i);
      changedKey.push(key);
      changedAt.push(fireAt);
    }
  }
  return columns;
}

/** The most appends in one grouped statement. */
export const MAX_GROUP = 256;

/**
 * Gathers items submitted in the same tick and hands them to `flush` together (at most
 * `MAX_GROUP` at once), with at most `maxInFlight` flushes under way: while they all are, new
 * items wait and go together in the next one (group commit). `flush` settles every item.
 */
export class AppendGroups<Item> {
  readonly #queue: Item[] = [];
  #scheduled = false;
  #inFlight = 0;

  constructor(
    private readonly maxInFlight: number,
    private readonly flush: (items: Item[]) => Promise<void>,
  ) {}

  /** Queues `item` for the next flush. */
  submit(item: Item): void {
    this.#queue.push(item);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.maxInFlight || this.#queue.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      while (this.#inFlight < this.maxInFlight && this.#queue.length > 0) {
        const items = this.#queue.splice(0, MAX_GROUP);
        this.#inFlight++;
        void this.flush(items).finally(() => {
          this.#inFlight--;
          this.#schedule();
        });
      }
    });
  }
}
