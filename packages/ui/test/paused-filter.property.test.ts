// The runs table's `paused` filter as a property: paging through it by cursor yields exactly the
// rows that match (paused running rows, and rows of the other statuses asked for), each once, in
// list order, no page longer than asked; and the paused count is exact below its cap.
import type { VisibilityFilter, WorkflowStatus } from '@reprise/core';
import type { UiRunRow, UiSource } from '@reprise/ui';
import fc from 'fast-check';
import { countPaused, listRuns } from '../src/paused-filter.js';

const STATUSES: WorkflowStatus[] = ['Running', 'Completed', 'Failed'];

/** A source over rows in list order; its cursor is the index of the next row. */
function fakeSource(rows: readonly UiRunRow[]): UiSource {
  return {
    label: 'rows',
    list: async (filter: VisibilityFilter) => {
      const wanted = filter.status === undefined ? undefined : ([] as WorkflowStatus[]).concat(filter.status);
      const matching = rows.filter((row) => wanted === undefined || wanted.includes(row.status));
      const from = filter.cursor ? Number(filter.cursor) : 0;
      const limit = filter.limit ?? 100;
      const items = matching.slice(from, from + limit);
      return { items, ...(from + limit < matching.length ? { cursor: String(from + limit) } : {}) };
    },
    count: async () => 0,
    describe: async () => {
      throw new Error('not used');
    },
    history: async () => [],
  };
}

const row = fc.record({ status: fc.constantFrom(...STATUSES), paused: fc.boolean() });

describe('the paused filter', () => {
  it('pages through exactly the matching rows, each once, in order, no page longer than asked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 120 }),
        fc.subarray(['Completed', 'Failed'] as WorkflowStatus[]),
        fc.integer({ min: 1, max: 30 }),
        async (shapes, others, limit) => {
          const rows: UiRunRow[] = shapes.map(({ status, paused }, index) => ({
            workflowId: `w${index}`,
            runId: `r${index}`,
            workflowType: 't',
            status,
            startedAt: index,
            searchAttributes: {},
            ...(paused && status === 'Running' ? { paused: true as const } : {}),
          }));
          const source = fakeSource(rows);
          const seen: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const page = await listRuns(source, {}, { statuses: others, paused: true }, limit, cursor);
            expect(page.items.length).toBeLessThanOrEqual(limit);
            seen.push(...page.items.map((item) => item.workflowId));
            cursor = page.cursor;
            pages++;
          } while (cursor && pages < 1000);
          const expected = rows
            .filter((r) => others.includes(r.status) || (r.status === 'Running' && r.paused === true))
            .map((r) => r.workflowId);
          expect(seen).toEqual(expected);
          expect(await countPaused(source, {})).toEqual({
            count: rows.filter((r) => r.paused).length,
            atLeast: false,
          });
        },
      ),
    );
  });
});
