// A store written by format 6 (the fixture `fixtures/v6-store` was written by that code, with an
// active set, `by-status` and `by-type` entries, and the records in `workflows`) is migrated in place when it is opened for
// writing, and answers every query, count, history, timer and open-run listing as format 6 did
// (`fixtures/v6-store/answers.json`); opened read-only it is refused with StoreFormatError saying
// how to migrate it; a migration killed inside its transaction leaves format 6 whole.
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { asWorkflowId, envelopeEvents } from '@reprise/core';
import { startWorkerProcess } from '@reprise/testkit/internal';
import { open } from 'lmdb';
import { FORMAT_VERSION, openLmdbStore } from '../src/index.js';
import { killWorkers } from './child-process.js';
import { storeAnswers } from './fixtures/store-answers.js';
import { expectReadOnlyRefusal } from './read-only-refusal.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('migration-6');
afterAll(() => {
  killWorkers();
  dirs.removeAll();
});

const FIXTURE = join(__dirname, 'fixtures', 'v6-store');
const T0 = 1_767_225_600_000;

function v6Store(): string {
  const path = dirs.make();
  cpSync(join(FIXTURE, 'data.mdb'), join(path, 'data.mdb'));
  return path;
}

const formatSixAnswers = () => JSON.parse(readFileSync(join(FIXTURE, 'answers.json'), 'utf8')) as unknown;

/** The format record, the named databases and the first character of every `index` key, read raw. */
function rawState(path: string): { version: unknown; databases: string[]; tags: string[] } {
  const raw = open({ path, maxDbs: 32, readOnly: true });
  try {
    const format = raw.openDB('meta', { encoding: 'string' }).get('format') as string;
    const index = raw.openDB('index', { encoding: 'binary' });
    const tags = new Set<string>();
    for (const key of index.getKeys({})) tags.add(String((key as unknown as string[])[0]));
    return {
      version: (JSON.parse(format.slice(8)) as { version: unknown }).version,
      databases: [...raw.getKeys({})].map(String).sort(),
      tags: [...tags].sort(),
    };
  } finally {
    raw.close();
  }
}

it('has the entries and the database format 7 no longer keeps in the fixture', () => {
  expect(rawState(v6Store())).toEqual({
    version: 6,
    databases: ['history', 'index', 'meta', 'workflows'],
    tags: ['a', 'b', 'c', 'l', 'm', 'p', 'r', 's', 't', 'w', 'x'],
  });
});

it('migrates a format-6 store in place, answering everything as format 6 did', async () => {
  const path = v6Store();
  const store = openLmdbStore({ path, noSync: true });
  try {
    expect(await store.verify()).toEqual({ workflows: 9, events: 25, problems: [] });
    expect(await storeAnswers(store)).toEqual(formatSixAnswers());
    // It takes appends: an open order closes, and leaves the open runs and the counts.
    const order = asWorkflowId('order-3');
    const done = envelopeEvents(order, 1, T0 + 40_000, [{ type: 'WorkflowCompleted', result: 'shipped' }]);
    expect(await store.append(order, done, { expectedSeq: 1 })).toEqual({ lastSeq: 2 });
    const active: string[] = [];
    for await (const id of store.listActive()) active.push(id);
    expect(active.sort()).toEqual(['fanout-1', 'looper-1', 'napper-1', 'waiter-1']);
    expect(await store.count({ status: 'Running' })).toBe(4);
    expect(await store.count({ workflowType: 'order', status: 'Completed' })).toBe(2);
    expect((await store.verify()).problems).toEqual([]);
  } finally {
    await store.close();
  }
  expect(rawState(path)).toEqual({
    version: FORMAT_VERSION,
    databases: ['history', 'index', 'meta'],
    tags: ['b', 'c', 'l', 'm', 'p', 'r', 'w', 'x'],
  });
});

it('refuses a format-6 store opened read-only, saying to run reprise migrate, and leaves it as it was', () => {
  expectReadOnlyRefusal(v6Store(), 6);
});

it('leaves format 6 whole when the migration is killed inside its transaction, and migrates on the next open', async () => {
  const path = v6Store();
  const migrator = startWorkerProcess(join(__dirname, 'fixtures', 'migrate-and-hang.ts'), [path, 'remove']);
  await migrator.waitFor((line) => line === 'inside');
  await migrator.kill();

  expect(() => openLmdbStore({ path, readOnly: true })).toThrow(/format version 6/);
  expect(rawState(path)).toEqual({
    version: 6,
    databases: ['history', 'index', 'meta', 'workflows'],
    tags: ['a', 'b', 'c', 'l', 'm', 'p', 'r', 's', 't', 'w', 'x'],
  });
  const store = openLmdbStore({ path, noSync: true });
  try {
    expect(await storeAnswers(store)).toEqual(formatSixAnswers());
    expect((await store.verify()).problems).toEqual([]);
  } finally {
    await store.close();
  }
  expect(rawState(path).version).toBe(FORMAT_VERSION);
});
