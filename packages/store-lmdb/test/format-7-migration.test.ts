// A store written by format 7 (the fixture `fixtures/v7-store` was written by that code: every
// chunk's events as JSON text, some with payloads a binary encoding would not read back) is
// migrated in place when it is opened for writing, by rewriting its format record alone, and
// answers every query, count, history, timer and open-run listing as format 7 did
// (`fixtures/v7-store/answers.json`); the chunks it writes after are packed (MessagePack) unless
// their events would not read back as JSON does, and histories read across both forms. Opened
// read-only it is refused with StoreFormatError saying how to migrate it; a migration killed
// inside its transaction leaves format 7 whole.
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { asWorkflowId, envelopeEvents, type WorkflowEvent } from '@reprise/core';
import { startWorkerProcess } from '@reprise/testkit/internal';
import { open } from 'lmdb';
import { FORMAT_VERSION, openLmdbStore } from '../src/index.js';
import { killWorkers } from './child-process.js';
import { chunkForm } from './chunk-form.js';
import { storeAnswers } from './fixtures/store-answers.js';
import { expectReadOnlyRefusal } from './read-only-refusal.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('migration-7');
afterAll(() => {
  killWorkers();
  dirs.removeAll();
});

const FIXTURE = join(__dirname, 'fixtures', 'v7-store');
const T0 = 1_767_225_600_000;

function v7Store(): string {
  const path = dirs.make();
  cpSync(join(FIXTURE, 'data.mdb'), join(path, 'data.mdb'));
  return path;
}

const formatSevenAnswers = () => JSON.parse(readFileSync(join(FIXTURE, 'answers.json'), 'utf8')) as unknown;

/**
 * The format record's version, and the form of each chunk's events, read raw: `json` when they
 * are a JSON array's text after the chunk's header, `packed` when a MessagePack array.
 */
function rawState(path: string): { version: unknown; chunks: Record<string, 'json' | 'packed'> } {
  const raw = open({ path, maxDbs: 32, readOnly: true });
  try {
    const format = raw.openDB('meta', { encoding: 'string' }).get('format') as string;
    const chunks: Record<string, 'json' | 'packed'> = {};
    for (const { key, value } of raw.openDB('history', { encoding: 'binary' }).getRange({})) {
      const [tid, seq] = key as unknown as [string, number];
      if (seq !== 0) chunks[`${tid} ${seq}`] = chunkForm(value as Buffer);
    }
    return { version: (JSON.parse(format.slice(8)) as { version: unknown }).version, chunks };
  } finally {
    raw.close();
  }
}

it('holds format 7 and chunks of JSON text only in the fixture', () => {
  const { version, chunks } = rawState(v7Store());
  expect(version).toBe(7);
  expect(Object.keys(chunks).length).toBeGreaterThan(10);
  expect(new Set(Object.values(chunks))).toEqual(new Set(['json']));
});

it('migrates a format-7 store in place, answering everything as format 7 did, and packs the chunks it writes', async () => {
  const path = v7Store();
  const before = rawState(path).chunks;
  const store = openLmdbStore({ path, noSync: true });
  const odd = asWorkflowId('odd-1');
  const fanout = asWorkflowId('fanout-1');
  let fanoutLength = 0;
  try {
    expect(await store.verify()).toEqual({ workflows: 10, events: 29, problems: [] });
    expect(await storeAnswers(store)).toEqual(formatSevenAnswers());
    const oddBefore = await store.readHistory(odd);
    const fanoutBefore = await store.readHistory(fanout);
    fanoutLength = fanoutBefore.length;
    expect(oddBefore.length).toBe(3);
    // An ordinary step is packed; one whose payload has a `__proto__` key is written as JSON.
    const step = envelopeEvents(odd, 3, T0 + 70_000, [
      { type: 'SignalReceived', signalName: 'go', payload: { n: 1, text: 'é€😀', list: [1.5, -2, null] } },
    ]);
    const odder = envelopeEvents(odd, 4, T0 + 71_000, [
      {
        type: 'SignalReceived',
        signalName: 'odd',
        payload: JSON.parse('{"__proto__":{"x":1},"y":"\\udfff"}'),
      },
    ]);
    const fanoutStep = envelopeEvents(fanout, fanoutBefore.length, T0 + 72_000, [
      { type: 'SignalReceived', signalName: 'again', payload: 'plain' },
    ]);
    expect(await store.append(odd, step, { expectedSeq: 3 })).toEqual({ lastSeq: 4 });
    expect(await store.append(odd, odder, { expectedSeq: 4 })).toEqual({ lastSeq: 5 });
    expect(await store.append(fanout, fanoutStep, { expectedSeq: fanoutBefore.length })).toEqual({
      lastSeq: fanoutBefore.length + 1,
    });
    const asJson = (events: WorkflowEvent[]) => JSON.parse(JSON.stringify(events)) as unknown;
    expect(await store.readHistory(odd)).toEqual(asJson([...oddBefore, ...step, ...odder]));
    const oddRead = await store.readHistory(odd, { fromSeq: 5 });
    expect(Object.keys((oddRead[0] as { payload: object }).payload)).toEqual(['__proto__', 'y']);
    expect(await store.readHistory(fanout)).toEqual(asJson([...fanoutBefore, ...fanoutStep]));
    expect((await store.verify()).problems).toEqual([]);
  } finally {
    await store.close();
  }
  const after = rawState(path);
  expect(after.version).toBe(FORMAT_VERSION);
  expect(after.chunks).toEqual({
    ...before,
    'odd-1 4': 'packed',
    'odd-1 5': 'json',
    [`fanout-1 ${fanoutLength + 1}`]: 'packed',
  });
});

it('refuses a format-7 store opened read-only, saying to run reprise migrate, and leaves it as it was', () => {
  expectReadOnlyRefusal(v7Store(), 7);
});

it('leaves format 7 whole when the migration is killed inside its transaction, and migrates on the next open', async () => {
  const path = v7Store();
  const migrator = startWorkerProcess(join(__dirname, 'fixtures', 'migrate-and-hang.ts'), [
    path,
    'putSync',
    'meta',
  ]);
  await migrator.waitFor((line) => line === 'inside');
  await migrator.kill();

  expect(() => openLmdbStore({ path, readOnly: true })).toThrow(/format version 7/);
  expect(rawState(path).version).toBe(7);
  const store = openLmdbStore({ path, noSync: true });
  try {
    expect(await storeAnswers(store)).toEqual(formatSevenAnswers());
    expect((await store.verify()).problems).toEqual([]);
  } finally {
    await store.close();
  }
  expect(rawState(path).version).toBe(FORMAT_VERSION);
});
