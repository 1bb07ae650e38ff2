// A store written by format 4 (one event per history key, a database per index; the fixture
// `fixtures/v4-store` was written by that code) is migrated in place, in one transaction, when
// it is opened for writing, and refused with StoreFormatError saying how to migrate it when it
// is opened read-only; a migration killed inside its transaction leaves format 4 whole.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { asWorkflowId, envelopeEvents } from '@reprise/core';
import { startWorkerProcess } from '@reprise/testkit/internal';
import { open } from 'lmdb';
import { type LmdbStore, openLmdbStore } from '../src/index.js';
import { killWorkers } from './child-process.js';
import { expectReadOnlyRefusal } from './read-only-refusal.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('migration');
afterAll(() => {
  killWorkers();
  dirs.removeAll();
});

const FIXTURE = join(__dirname, 'fixtures', 'v4-store', 'data.mdb');
const T0 = 1_767_225_600_000;

/** A copy of the format-4 fixture in a new directory. */
function v4Store(): string {
  const path = dirs.make();
  cpSync(FIXTURE, join(path, 'data.mdb'));
  return path;
}

function namedDatabases(path: string): string[] {
  const raw = open({ path, readOnly: true, maxDbs: 32 });
  try {
    return [...raw.getKeys({})].map(String).sort();
  } finally {
    raw.close();
  }
}

/** Everything the fixture holds, read through the store as the current format. */
async function expectFixtureContent(store: LmdbStore): Promise<void> {
  expect(await store.verify()).toEqual({ workflows: 6, events: 17, problems: [] });
  const rows = (await store.query({})).items.map((row) => [row.workflowId, row.status, row.historyLength]);
  expect(rows).toEqual([
    ['looper-1', 'Running', 3],
    ['napper-1', 'Running', 2],
    ['waiter-1', 'Running', 2],
    ['order-1', 'Completed', 6],
    ['order-2', 'Failed', 2],
  ]);
  const order = await store.readHistory(asWorkflowId('order-1'));
  expect(order.map((event) => [event.seq, event.type])).toEqual([
    [1, 'WorkflowStarted'],
    [2, 'ActivityScheduled'],
    [3, 'ActivityCompleted'],
    [4, 'ActivityScheduled'],
    [5, 'ActivityCompleted'],
    [6, 'WorkflowCompleted'],
  ]);
  expect(await store.readHistory(asWorkflowId('order-1'), { fromSeq: 5 })).toEqual(order.slice(4));
  expect((await store.readHistory(asWorkflowId('schedule-daily'))).map((event) => event.type)).toEqual([
    'ScheduleCreated',
    'ScheduleListed',
  ]);
  const active: string[] = [];
  for await (const id of store.listActive()) active.push(id);
  expect(active).toEqual(['looper-1', 'napper-1', 'waiter-1']);
  expect(await store.dueTimers(T0 + 3_600_000)).toEqual([
    { workflowId: 'napper-1', timerId: 'nap', fireAt: T0 + 3_600_000 },
  ]);
  expect(
    (await store.query({ searchAttributes: { customer: 'ada' } })).items.map((row) => row.workflowId),
  ).toEqual(['order-1']);
  expect(await store.count({ status: 'Running' })).toBe(3);
  expect(await store.count({})).toBe(5);
}

it('migrates a format-4 store in place when it is opened for writing', async () => {
  const path = v4Store();
  const store = openLmdbStore({ path, noSync: true });
  try {
    await expectFixtureContent(store);
    // It takes appends as any store: the waiter completes.
    const waiter = asWorkflowId('waiter-1');
    const done = envelopeEvents(waiter, 2, T0 + 10_000, [{ type: 'WorkflowCompleted', result: 'woken' }]);
    expect(await store.append(waiter, done, { expectedSeq: 2 })).toEqual({ lastSeq: 3 });
    expect(await store.count({ status: 'Running' })).toBe(2);
  } finally {
    await store.close();
  }
  // The chunked layout's four databases, and nothing of format 4's left.
  expect(namedDatabases(path)).toEqual(['history', 'index', 'meta']);
  const again = openLmdbStore({ path, noSync: true, readOnly: true });
  expect((await again.getSummary(asWorkflowId('waiter-1')))?.status).toBe('Completed');
  expect((await again.verify()).problems).toEqual([]);
  await again.close();
});

it('refuses a format-4 store opened read-only, saying to run reprise migrate, and leaves it as it was', () => {
  expectReadOnlyRefusal(v4Store(), 4);
});

it('leaves format 4 whole when the migration is killed inside its transaction, and migrates on the next open', async () => {
  const path = v4Store();
  const migrator = startWorkerProcess(join(__dirname, 'fixtures', 'migrate-and-hang.ts'), [path]);
  await migrator.waitFor((line) => line === 'inside');
  await migrator.kill();

  expect(() => openLmdbStore({ path, readOnly: true })).toThrow(/format version 4/);
  expect(namedDatabases(path)).toContain('by-status');
  const store = openLmdbStore({ path, noSync: true });
  try {
    await expectFixtureContent(store);
  } finally {
    await store.close();
  }
});
