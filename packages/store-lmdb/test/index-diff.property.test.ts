// Property: the index changes of a row update leave exactly the index entries of the new row.
import type { RunId, WorkflowId, WorkflowStatus } from '@reprise/core';
import fc from 'fast-check';
import { negated, type StoredSummary } from '../src/layout.js';
import { diffEntries, entryKey, type IndexEntry, indexEntriesOf } from '../src/visibility-index.js';

const TID = 'wf';
/** An entry's database and key: what is written. */
const keyOf = (entry: IndexEntry, row: StoredSummary) =>
  JSON.stringify([entry.index, entryKey(entry, negated(row.createdAt), TID)]);
const keysOf = (row: StoredSummary | null) =>
  new Set(row ? indexEntriesOf(row).map((entry) => keyOf(entry, row)) : []);

const attributeValue = fc.oneof(
  fc.constantFrom('eu', 'us', 'gold tier', 'eu us'),
  fc.integer({ min: 0, max: 3 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.constantFrom('a', 'b'), { maxLength: 3 }),
);
const row: fc.Arbitrary<StoredSummary> = fc
  .record({
    status: fc.constantFrom<WorkflowStatus>('Running', 'Completed', 'Failed', 'Cancelled'),
    workflowType: fc.constantFrom('order', 'refund'),
    createdAt: fc.constantFrom(1000, 2000),
    startedAt: fc.constantFrom(1000, 1500),
    closedAt: fc.option(fc.constantFrom(3000, 4000), { nil: undefined }),
    searchAttributes: fc.dictionary(fc.constantFrom('region', 'tier', 'tags'), attributeValue, {
      maxKeys: 3,
    }),
  })
  .map(({ closedAt, ...fields }) => ({
    workflowId: 'wf' as WorkflowId,
    runId: 'run' as RunId,
    parentRunId: null,
    ...fields,
    ...(closedAt === undefined ? {} : { closedAt }),
  }));

it('removing and adding what diffEntries names turns the old row’s entries into the new row’s', () => {
  fc.assert(
    fc.property(
      fc.option(row, { nil: null }),
      fc.option(row, { nil: null }),
      fc.boolean(),
      (before, after, shareAttributes) => {
        // A close keeps the very same attributes object: the diff's shortcut for it is covered too.
        const next =
          after && before && shareAttributes
            ? { ...after, searchAttributes: before.searchAttributes }
            : after;
        const { removed, added } = diffEntries(before, next);
        const keys = keysOf(before);
        for (const entry of removed) {
          expect(keys.delete(keyOf(entry, before as StoredSummary))).toBe(true);
        }
        for (const entry of added) {
          const key = keyOf(entry, next as StoredSummary);
          expect(keys.has(key)).toBe(false);
          keys.add(key);
        }
        expect([...keys].sort()).toEqual([...keysOf(next)].sort());
      },
    ),
  );
});
