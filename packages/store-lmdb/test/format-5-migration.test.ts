// A store written by format 5 (the fixture `fixtures/v5-store` was written by that code: chunks
// without a backlog, records holding their row's backlog as of the last append) is migrated in
// place when it is opened for writing, its rows and histories read as they were, and it takes
// appends whose backlog travels in their chunks; opened read-only it is refused with
// StoreFormatError saying how to migrate it, and left as it was.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { asWorkflowId, envelopeEvents } from '@reprise/core';
import { open } from 'lmdb';
import { FORMAT_VERSION, openLmdbStore } from '../src/index.js';
import { expectReadOnlyRefusal } from './read-only-refusal.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('migration-5');
afterAll(() => dirs.removeAll());

const FIXTURE = join(__dirname, 'fixtures', 'v5-store', 'data.mdb');
const T0 = 1_767_225_600_000;
const fanout = asWorkflowId('fanout-1');

function v5Store(): string {
  const path = dirs.make();
  cpSync(FIXTURE, join(path, 'data.mdb'));
  return path;
}

it('migrates a format-5 store in place, reading every row and history as it was', async () => {
  const path = v5Store();
  const store = openLmdbStore({ path, noSync: true });
  try {
    expect(await store.verify()).toEqual({ workflows: 7, events: 21, problems: [] });
    const rows = (await store.query({})).items.map((row) => [row.workflowId, row.status, row.historyLength]);
    expect(rows).toEqual([
      ['fanout-1', 'Running', 4],
      ['looper-1', 'Running', 3],
      ['napper-1', 'Running', 2],
      ['waiter-1', 'Running', 2],
      ['order-1', 'Completed', 6],
      ['order-2', 'Failed', 2],
    ]);
    expect((await store.getSummary(fanout))?.backlog).toEqual({
      activities: 1,
      children: 0,
      signals: 0,
      input: true,
    });
    expect((await store.readHistory(fanout)).map((event) => event.type)).toEqual([
      'WorkflowStarted',
      'ActivityScheduled',
      'ActivityScheduled',
      'ActivityCompleted',
    ]);
    expect(await store.dueTimers(T0 + 3_600_000)).toEqual([
      { workflowId: 'napper-1', timerId: 'nap', fireAt: T0 + 3_600_000 },
    ]);
    // A step that schedules one more activity moves only the backlog: it travels in the chunk.
    const next = envelopeEvents(fanout, 4, T0 + 5_000, [
      { type: 'ActivityScheduled', activityId: '3', activityType: 'charge', input: null },
    ]);
    expect(await store.append(fanout, next, { expectedSeq: 4 })).toEqual({ lastSeq: 5 });
    expect((await store.getSummary(fanout))?.backlog).toEqual({ activities: 2, children: 0, signals: 0 });
  } finally {
    await store.close();
  }
  const raw = open({ path, maxDbs: 32, readOnly: true });
  try {
    const format = raw.openDB('meta', { encoding: 'string' }).get('format') as string;
    expect(JSON.parse(format.slice(8))).toEqual({ format: 'reprise-lmdb-store', version: FORMAT_VERSION });
    expect([...raw.getKeys({})].map(String).sort()).toEqual(['history', 'index', 'meta']);
  } finally {
    await raw.close();
  }
  // Reopened (nothing cached), the row and the next append build on the chunk's backlog.
  const again = openLmdbStore({ path, noSync: true });
  try {
    expect((await again.getSummary(fanout))?.backlog).toEqual({ activities: 2, children: 0, signals: 0 });
    const done = envelopeEvents(fanout, 5, T0 + 6_000, [
      { type: 'ActivityCompleted', activityId: '2', attempt: 1, result: 'ok' },
    ]);
    await again.append(fanout, done, { expectedSeq: 5 });
    expect((await again.getSummary(fanout))?.backlog).toEqual({
      activities: 1,
      children: 0,
      signals: 0,
      input: true,
    });
    expect((await again.verify()).problems).toEqual([]);
  } finally {
    await again.close();
  }
});

it('refuses a format-5 store opened read-only, saying to run reprise migrate, and leaves it as it was', () => {
  expectReadOnlyRefusal(v5Store(), 5);
});
