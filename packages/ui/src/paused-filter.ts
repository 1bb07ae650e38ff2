/**
 * The runs table's `paused` status: not a status of its own (a paused run's status stays
 * `Running`, its summary says `paused: true`) and not a store filter, so the UI reads running
 * rows and keeps the paused ones. Pages may then come out shorter than asked, never longer, and
 * no row is skipped: each page ends at the store's own cursor.
 */
import type { VisibilityFilter, WorkflowStatus } from '@reprise/core';
import type { UiRunRow, UiSource } from './source.js';

/** The status filter's name for paused runs. */
export const PAUSED = 'paused';

/** Store pages one request of the runs table reads at most while looking for paused runs. */
const MAX_STORE_PAGES = 20;
/** Running rows a paused count reads at most; beyond, the count is a lower bound. */
const MAX_COUNTED = 1000;

/** What a status filter of the runs table asks for: statuses, and whether paused runs too. */
export interface StatusChoice {
  readonly statuses: readonly WorkflowStatus[];
  readonly paused: boolean;
}

type Filter = Omit<VisibilityFilter, 'status' | 'limit' | 'cursor'>;

/** A page of the runs table for `choice`. */
export async function listRuns(
  source: UiSource,
  filter: Filter,
  choice: StatusChoice,
  limit: number,
  cursor: string | undefined,
): Promise<{ readonly items: readonly UiRunRow[]; readonly cursor?: string }> {
  const status = choice.statuses;
  if (!choice.paused)
    return source.list({
      ...filter,
      ...(status.length > 0 ? { status } : {}),
      limit,
      ...(cursor ? { cursor } : {}),
    });
  const wanted = new Set<WorkflowStatus>(status);
  const keep = (row: UiRunRow) => wanted.has(row.status) || (row.status === 'Running' && row.paused === true);
  const items: UiRunRow[] = [];
  let next = cursor;
  for (let pages = 0; pages < MAX_STORE_PAGES && items.length < limit; pages++) {
    const page = await source.list({
      ...filter,
      status: [...new Set<WorkflowStatus>([...status, 'Running'])],
      limit: limit - items.length,
      ...(next ? { cursor: next } : {}),
    });
    items.push(...page.items.filter(keep));
    next = page.cursor;
    if (!next) break;
  }
  return { items, ...(next ? { cursor: next } : {}) };
}

/** How many running runs match `filter` and are paused; `atLeast` when it stopped counting. */
export async function countPaused(
  source: UiSource,
  filter: Filter,
): Promise<{ count: number; atLeast: boolean }> {
  let count = 0;
  let read = 0;
  let cursor: string | undefined;
  do {
    const page = await source.list({
      ...filter,
      status: 'Running',
      limit: 500,
      ...(cursor ? { cursor } : {}),
    });
    read += page.items.length;
    count += page.items.filter((row) => row.paused === true).length;
    cursor = page.cursor;
  } while (cursor && read < MAX_COUNTED);
  return { count, atLeast: cursor !== undefined };
}
