// Queries whose index ranges are larger than the planner counts (capped counts, both streams
// over the cap, a range scan beside a capped stream) still return exactly the reference page.
import { afterAll, expect, it } from '@jest/globals';
import {
  asRunId,
  asWorkflowId,
  envelopeEvents,
  type VisibilityFilter,
  type WorkflowSummary,
} from '@reprise/core';
import { normalizeFilter, pageOf } from '@reprise/core/internal';
import { openLmdbStore } from '../src/index.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('large-plan');
afterAll(() => dirs.removeAll());

it('returns the reference pages and counts over ranges larger than the planning caps', async () => {
  const store = openLmdbStore({ path: dirs.make(), noSync: true });
  const rows = 9_000;
  for (let from = 0; from < rows; from += 1_000) {
    await Promise.all(
      Array.from({ length: 1_000 }, (_, k) => {
        const n = from + k;
        const id = asWorkflowId(`large-${n}`);
        const bodies = [
          {
            type: 'WorkflowStarted' as const,
            workflowType: n % 3 === 0 ? 'rare' : 'common',
            input: null,
            runId: asRunId('r'),
            parentRunId: null,
            searchAttributes: { region: n % 2 === 0 ? 'eu' : 'us', amount: n % 100 },
          },
          ...(n % 5 === 0 ? [{ type: 'WorkflowCompleted' as const, result: null }] : []),
        ];
        return store.append(id, envelopeEvents(id, 0, 1_000 + Math.floor(n / 3), bodies), {
          expectedSeq: 0,
        });
      }),
    );
  }
  const all: WorkflowSummary[] = [];
  for (let cursor: string | undefined, first = true; first || cursor; first = false) {
    const page = await store.query({ limit: 10_000, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.cursor;
  }
  expect(all).toHaveLength(rows);

  const filters: VisibilityFilter[] = [
    { status: 'Running', searchAttributes: { region: 'eu' } },
    { workflowType: 'common', searchAttributes: { region: 'us' } },
    { status: 'Running', searchAttributes: { region: 'eu', amount: 7 } },
    { status: 'Running', searchAttributes: { amount: { gte: 10, lt: 12 } } },
    { status: 'Running', searchAttributes: { amount: { gte: 10 } } },
    { searchAttributes: { region: { in: ['eu', 'us'] }, amount: { lt: 3 } } },
  ];
  for (const filter of filters) {
    for (const limit of [1, 100, 5_000]) {
      let cursor: string | undefined;
      for (let page = 0; page < 3; page++) {
        const wanted = { ...filter, limit, ...(cursor ? { cursor } : {}) };
        const got = await store.query(wanted);
        expect(got).toEqual(pageOf(all, normalizeFilter(wanted)));
        cursor = got.cursor;
        if (!cursor) break;
      }
    }
    expect(await store.count(filter)).toBe(
      pageOf(all, normalizeFilter({ ...filter, limit: 10_000 })).items.length,
    );
  }
  await store.close();
}, 60_000);
