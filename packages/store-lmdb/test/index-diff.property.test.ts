// Property: the index changes of a row update leave exactly the index entries of the new row.
import type { RunId, WorkflowId, WorkflowStatus } from '@reprise/core';
import fc from 'fast-check';
import type { Key } from 'lmdb';
import { INDEX_TAGS, negated, type StoredSummary } from '../src/layout.js';
import { entryKey, indexEntriesOf, writeIndexChanges } from '../src/visibility-index.js';

const TID = 'wf';
/** A key of the `index` database (its index's tag, then the entry's key), as text. */
const keysOf = (row: StoredSummary | null) =>
  new Set(
    row
      ? indexEntriesOf(row).map((entry) =>
          JSON.stringify([INDEX_TAGS[entry.index], ...(entryKey(entry, negated(row.createdAt), TID) as [])]),
        )
      : [],
  );

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

it('the index writes of a row update turn the old row’s entries into the new row’s, each removed key present and each put key absent', () => {
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
        const keys = keysOf(before);
        writeIndexChanges(
          {
            remove: (key: Key) => expect(keys.delete(JSON.stringify(key))).toBe(true),
            put: (key: Key) => {
              expect(keys.has(JSON.stringify(key))).toBe(false);
              keys.add(JSON.stringify(key));
            },
          },
          TID,
          before ?? undefined,
          next ?? undefined,
        );
        expect([...keys].sort()).toEqual([...keysOf(next)].sort());
      },
    ),
  );
});
