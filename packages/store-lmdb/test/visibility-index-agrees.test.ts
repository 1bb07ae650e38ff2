// Indexed queries return exactly the reference page (`pageOf` over every row), whichever plan
// serves them: a stream, a range scan, or the whole list; with ties, unicode ids and paging.
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  asRunId,
  asWorkflowId,
  type EventBody,
  envelopeEvents,
  type JsonValue,
  projectHistory,
  type VisibilityFilter,
  type WorkflowSummary,
} from '@reprise/core';
import { decodeCursor, normalizeFilter, pageOf } from '@reprise/core/internal';
import fc from 'fast-check';
import { openLmdbStore } from '../src/index.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('visibility');
afterAll(() => dirs.removeAll());

const T0 = 1_700_000_000_000;
const tricky = [
  'a',
  'b',
  'Z',
  'é',
  '\u0000',
  '\u0001',
  '\ud7ff',
  '\ue000',
  '\uffff',
  '😀',
  '\ud800',
  ' ',
  '-',
];
const text = (max: number, min = 0) =>
  fc.array(fc.constantFrom(...tricky), { minLength: min, maxLength: max }).map((c) => c.join(''));
const customers = ['ada', 'bob', 'cy', 'ad', 'ada lovelace', '😀x', '\uffffz', ''];
const words = ['rush', 'Fragile', 'eu', 'vip', 'RUSH'];

const rowArbitrary = fc.record({
  // A workflow id is never empty (core's one id rule); every other tricky character is here.
  id: text(6, 1),
  type: fc.constantFrom('order', 'invoice', 'ship\u0000ping', 'x'.repeat(140), `${'x'.repeat(140)}y`),
  createdAt: fc.integer({ min: 0, max: 6 }),
  close: fc.constantFrom(undefined, 'WorkflowCompleted', 'WorkflowFailed', 'WorkflowCancelled'),
  closeAfter: fc.integer({ min: 1, max: 5 }),
  attributes: fc.record(
    {
      customer: fc.constantFrom<JsonValue>(...customers, null, 7),
      amount: fc.oneof(fc.integer({ min: -3, max: 20 }), fc.constantFrom<JsonValue>(2.5, '10', null)),
      tags: fc.array(fc.constantFrom<JsonValue>(...words, 3, null), { maxLength: 3 }),
      note: fc.array(fc.constantFrom(...words, 'and', '—'), { maxLength: 5 }).map((w) => w.join(' ')),
      flag: fc.boolean(),
      nested: fc.constantFrom<JsonValue>({ a: 1 }, [[1]], ['eu']),
      long: fc.constantFrom('p'.repeat(130), `${'p'.repeat(130)}q`, `${'p'.repeat(129)}`),
    },
    { requiredKeys: [] },
  ),
  update: fc.option(fc.record({ customer: fc.constantFrom<JsonValue>(...customers, null) }), {
    nil: undefined,
  }),
});

const boundArbitrary = fc.oneof(
  fc.integer({ min: -2, max: 21 }),
  fc.constantFrom('a', 'ad', 'b', '😀', '\ue000', ''),
);
const predicateArbitrary = fc.oneof(
  fc.constantFrom<JsonValue>(...customers, 'eu', 'rush', 3, 7, true, false, null, ['eu'], [[1]], []),
  fc.record(
    {
      eq: fc.constantFrom<JsonValue>('ada', 'eu', 5, true, null, { a: 1 }, [[1]], ['eu']),
      in: fc.array(fc.constantFrom<JsonValue>('ada', 'bob', 'vip', 3, 12, null), { maxLength: 3 }),
      gt: boundArbitrary,
      gte: boundArbitrary,
      lt: boundArbitrary,
      lte: boundArbitrary,
      contains: fc.constantFrom('rush', 'RUSH', 'eu', 'vip', 'Fragile', 'fragile', 'rush and'),
      prefix: fc.constantFrom('a', 'ad', '😀', 'p'.repeat(129), 'p'.repeat(131), ''),
      exists: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
);

const filterArbitrary = fc.record(
  {
    status: fc.subarray(['Running', 'Completed', 'Failed', 'Cancelled'] as const, { minLength: 1 }),
    workflowType: fc.subarray(['order', 'invoice', 'ship\u0000ping', 'x'.repeat(140)], { minLength: 1 }),
    startedAfter: fc.integer({ min: T0 - 1, max: T0 + 7 }),
    startedBefore: fc.integer({ min: T0, max: T0 + 8 }),
    closedAfter: fc.integer({ min: T0, max: T0 + 12 }),
    closedBefore: fc.integer({ min: T0, max: T0 + 12 }),
    searchAttributes: fc.dictionary(
      fc.constantFrom('customer', 'amount', 'tags', 'note', 'flag', 'nested', 'long', 'missing'),
      predicateArbitrary,
      { maxKeys: 2 },
    ),
    limit: fc.integer({ min: 1, max: 7 }),
  },
  { requiredKeys: [] },
);

describe('indexed visibility queries equal the reference page', () => {
  it('for random rows and filters, page by page and in count', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(rowArbitrary, { minLength: 120, maxLength: 260, selector: (row) => row.id }),
        fc.array(filterArbitrary, { minLength: 6, maxLength: 6 }),
        async (rows, filters) => {
          const store = openLmdbStore({ path: dirs.make(), noSync: true });
          try {
            const summaries: WorkflowSummary[] = [];
            await Promise.all(
              rows.map(async (row) => {
                const id = asWorkflowId(row.id);
                const bodies: EventBody[] = [
                  {
                    type: 'WorkflowStarted',
                    workflowType: row.type,
                    input: null,
                    runId: asRunId('r'),
                    parentRunId: null,
                    searchAttributes: row.attributes,
                  },
                ];
                if (row.update)
                  bodies.push({ type: 'SearchAttributesUpdated', searchAttributes: row.update });
                const first = envelopeEvents(id, 0, T0 + row.createdAt, bodies);
                const events = [...first];
                await store.append(id, first, { expectedSeq: 0 });
                if (row.close) {
                  const body = {
                    WorkflowCompleted: { type: 'WorkflowCompleted', result: 1 },
                    WorkflowFailed: { type: 'WorkflowFailed', error: { name: 'E', message: 'm' } },
                    WorkflowCancelled: { type: 'WorkflowCancelled', reason: null },
                  }[row.close] as EventBody;
                  const closing = envelopeEvents(id, first.length, T0 + row.createdAt + row.closeAfter, [
                    body,
                  ]);
                  await store.append(id, closing, { expectedSeq: first.length });
                  events.push(...closing);
                }
                summaries.push(projectHistory(events).summary as WorkflowSummary);
              }),
            );
            for (const filter of filters as VisibilityFilter[]) {
              const normalized = normalizeFilter(filter);
              let cursor: string | undefined;
              let pages = 0;
              do {
                const want = pageOf(summaries, {
                  ...normalized,
                  ...(cursor ? { after: decodeCursor(cursor) } : {}),
                });
                const got = await store.query({ ...filter, ...(cursor ? { cursor } : {}) });
                expect(got).toEqual(want);
                cursor = got.cursor;
              } while (cursor && ++pages < 4);
              const { limit: _limit, ...countable } = filter;
              expect(await store.count(countable)).toBe(
                pageOf(summaries, { ...normalized, limit: Number.POSITIVE_INFINITY }).items.length,
              );
            }
            expect((await store.verify()).problems).toEqual([]);
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: 12, interruptAfterTimeLimit: 45_000, markInterruptAsFailure: true },
    );
  }, 60_000);
});
