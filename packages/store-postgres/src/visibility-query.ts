import {
  type CorruptRecord,
  StoreCorruption,
  type VisibilityPage,
  type WorkflowId,
  type WorkflowSummary,
} from '@reprise/core';
import { encodeCursor, matchesFilter, type NormalizedFilter } from '@reprise/core/internal';
import { fromKey, toKey } from './keys.js';
import { storedSummary } from './rows.js';

/** A row of `workflows` as lists read it. */
export interface ListRow {
  readonly workflow_key: Buffer;
  readonly last_seq: number;
  readonly created_at: number;
  readonly summary: string;
}

/** Runs one query; the store passes its pool with retries. */
export type Run = (text: string, values: unknown[]) => Promise<ListRow[]>;

/**
 * The SQL conditions of a filter over the indexed columns (status, type, build, times) and the
 * cursor's position; search attributes are matched on the parsed rows (`matchesFilter`), which
 * also rechecks the rest, so the page is the one `pageOf` would return.
 */
function conditions(filter: NormalizedFilter, values: unknown[]): string[] {
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const where = ['summary IS NOT NULL'];
  if (filter.statuses) where.push(`status = ANY(${param([...filter.statuses])}::text[])`);
  if (filter.workflowTypes) where.push(`workflow_type = ANY(${param([...filter.workflowTypes])}::text[])`);
  if (filter.buildIds) where.push(`build_id = ANY(${param([...filter.buildIds])}::text[])`);
  if (filter.startedAfter !== undefined) where.push(`started_at > ${param(filter.startedAfter)}`);
  if (filter.startedBefore !== undefined) where.push(`started_at < ${param(filter.startedBefore)}`);
  if (filter.closedAfter !== undefined) where.push(`closed_at > ${param(filter.closedAfter)}`);
  if (filter.closedBefore !== undefined) where.push(`closed_at < ${param(filter.closedBefore)}`);
  return where;
}

/** Where list order resumes: after this row (newest first, then by key). */
function after(position: { createdAt: number; key: Buffer }, values: unknown[]): string {
  values.push(position.createdAt, position.key);
  const at = values.length - 1;
  return `(created_at < $${at} OR (created_at = $${at} AND workflow_key > $${at + 1}))`;
}

/**
 * Walks the rows matching `filter` in list order from its cursor, `chunk` at a time, calling
 * `visit` with each readable matching row until it returns false; a row whose stored value is
 * damaged goes to `onCorrupt` instead.
 */
async function walk(
  table: string,
  run: Run,
  filter: NormalizedFilter,
  chunk: number,
  visit: (row: WorkflowSummary) => boolean,
  onCorrupt: (record: CorruptRecord) => void,
): Promise<void> {
  let position = filter.after && { createdAt: filter.after.createdAt, key: toKey(filter.after.workflowId) };
  for (;;) {
    const values: unknown[] = [];
    const where = conditions(filter, values);
    if (position) where.push(after(position, values));
    values.push(chunk);
    const rows = await run(
      `SELECT workflow_key, last_seq, created_at, summary FROM ${table} WHERE ${where.join(' AND ')} ` +
        `ORDER BY created_at DESC, workflow_key LIMIT $${values.length}`,
      values,
    );
    for (const row of rows) {
      position = { createdAt: row.created_at, key: row.workflow_key };
      const workflowId = fromKey(row.workflow_key);
      let summary: WorkflowSummary;
      try {
        summary = storedSummary(row.summary, workflowId, row.last_seq);
      } catch (error) {
        if (!(error instanceof StoreCorruption)) throw error;
        onCorrupt({ workflowId: workflowId as WorkflowId, key: error.key, reason: error.reason });
        continue;
      }
      if (matchesFilter(summary, filter) && !visit(summary)) return;
    }
    if (rows.length < chunk) return;
  }
}

/** One page of `filter` (see `VisibilityStore.query`). */
export async function queryPage(table: string, run: Run, filter: NormalizedFilter): Promise<VisibilityPage> {
  const items: WorkflowSummary[] = [];
  const corrupt: CorruptRecord[] = [];
  // One more than the page says whether another follows; rows the SQL cannot judge (search
  // attributes) are fetched a larger chunk at a time.
  const chunk = filter.searchAttributes.length > 0 ? Math.max(200, filter.limit + 1) : filter.limit + 1;
  await walk(
    table,
    run,
    filter,
    chunk,
    (row) => items.push(row) <= filter.limit,
    (record) => corrupt.push(record),
  );
  const page = items.slice(0, filter.limit);
  const last = page[page.length - 1];
  return {
    items: page,
    ...(items.length > filter.limit && last ? { cursor: encodeCursor(last) } : {}),
    ...(corrupt.length > 0 ? { corrupt } : {}),
  };
}

/** How many rows match `filter` (see `VisibilityStore.count`). */
export async function countRows(
  table: string,
  run: (text: string, values: unknown[]) => Promise<{ count: string }[]>,
  walkRun: Run,
  filter: NormalizedFilter,
): Promise<number> {
  if (filter.searchAttributes.length === 0) {
    const values: unknown[] = [];
    const where = conditions(filter, values);
    const [row] = await run(`SELECT count(*) AS count FROM ${table} WHERE ${where.join(' AND ')}`, values);
    return Number(row?.count ?? 0);
  }
  let count = 0;
  await walk(
    table,
    walkRun,
    filter,
    1000,
    () => {
      count++;
      return true;
    },
    () => {},
  );
  return count;
}
