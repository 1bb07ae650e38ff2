// More workflows than the append path keeps states for (10,000): the oldest states are forgotten
// in batches, and appends to those workflows, and to one with an append in flight meanwhile,
// still build on what committed and still meet conflicts.
import { afterAll, expect, it } from '@jest/globals';
import { asWorkflowId, ConcurrencyConflict } from '@reprise/core';
import { openLmdbStore } from '../src/index.js';
import { at, signal, started } from './appended-events.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('beyond-state-cache');
afterAll(() => dirs.removeAll());

/** More than the 10,000 states the append path keeps, so that at least one batch is forgotten. */
const WORKFLOWS = 10_100;

const idOf = (index: number) => asWorkflowId(`w-${index}`);

it('appends to workflows whose states were forgotten build on what committed, and meet conflicts', async () => {
  const store = openLmdbStore({ path: dirs.make(), noSync: true });
  await Promise.all(
    Array.from({ length: WORKFLOWS }, (_, index) =>
      store.append(idOf(index), at(idOf(index), 0, started), { expectedSeq: 0 }),
    ),
  );
  // The first ones were forgotten: their next appends read the store.
  expect(await store.append(idOf(0), at(idOf(0), 1, signal('a')), { expectedSeq: 1 })).toEqual({
    lastSeq: 2,
  });
  const stale = store.append(idOf(1), at(idOf(1), 0, started), { expectedSeq: 0 });
  await expect(stale).rejects.toBeInstanceOf(ConcurrencyConflict);
  await expect(stale).rejects.toMatchObject({ expectedSeq: 0, actualSeq: 1 });
  // The last ones are still known, and their appends go on as well.
  const last = idOf(WORKFLOWS - 1);
  expect(await store.append(last, at(last, 1, signal('b')), { expectedSeq: 1 })).toEqual({ lastSeq: 2 });
  expect((await store.readHistory(idOf(0))).map((event) => event.seq)).toEqual([1, 2]);
  expect((await store.readHistory(idOf(1))).map((event) => event.seq)).toEqual([1]);
  expect(await store.count({ status: 'Running' })).toBe(WORKFLOWS);
  expect((await store.verify()).problems).toEqual([]);
  await store.close();
});

it('an append issued behind one in flight builds on it while new workflows push the oldest states out', async () => {
  const store = openLmdbStore({ path: dirs.make(), noSync: true });
  const busy = asWorkflowId('busy');
  await store.append(busy, at(busy, 0, started), { expectedSeq: 0 });
  const first = store.append(busy, at(busy, 1, signal('first')), { expectedSeq: 1 });
  const starts = Array.from({ length: WORKFLOWS }, (_, index) =>
    store.append(idOf(index), at(idOf(index), 0, started), { expectedSeq: 0 }),
  );
  const second = store.append(busy, at(busy, 2, signal('second')), { expectedSeq: 2 });
  expect(await first).toEqual({ lastSeq: 2 });
  expect(await second).toEqual({ lastSeq: 3 });
  await Promise.all(starts);
  expect((await store.readHistory(busy)).map((event) => event.seq)).toEqual([1, 2, 3]);
  expect((await store.verify()).problems).toEqual([]);
  await store.close();
});
