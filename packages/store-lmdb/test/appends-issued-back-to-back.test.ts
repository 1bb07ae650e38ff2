// Appends to one workflow issued back to back, before any of them commits: each builds on the
// one before, in call order, and a wrong seq among them fails alone.
import { afterAll, expect, it } from '@jest/globals';
import { asWorkflowId, ConcurrencyConflict, type EventBody, envelopeEvents } from '@reprise/core';
import { openLmdbStore } from '../src/index.js';
import { at, signal, started } from './appended-events.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('back-to-back');
afterAll(() => dirs.removeAll());

it('commits appends at n, n + 1, n + 2 issued before any commits, in order', async () => {
  const store = openLmdbStore({ path: dirs.make(), noSync: true });
  const id = asWorkflowId('chain');
  const results = await Promise.all([
    store.append(id, at(id, 0, started), { expectedSeq: 0 }),
    store.append(id, at(id, 1, signal('a')), { expectedSeq: 1 }),
    store.append(id, at(id, 2, { type: 'TimerStarted', timerId: 't1', fireAt: 50 }), { expectedSeq: 2 }),
    store.append(id, at(id, 3, signal('b')), { expectedSeq: 3 }),
    store.append(id, at(id, 4, { type: 'TimerFired', timerId: 't1' }), { expectedSeq: 4 }),
  ]);
  expect(results.map((result) => result.lastSeq)).toEqual([1, 2, 3, 4, 5]);
  expect((await store.readHistory(id)).map((event) => event.type)).toEqual([
    'WorkflowStarted',
    'SignalReceived',
    'TimerStarted',
    'SignalReceived',
    'TimerFired',
  ]);
  expect((await store.getSummary(id))?.historyLength).toBe(5);
  expect(await store.dueTimers(100)).toEqual([]);
  expect((await store.verify()).problems).toEqual([]);
  await store.close();
});

it('fails only the append whose seq is wrong; the ones after it build on what committed', async () => {
  const store = openLmdbStore({ path: dirs.make(), noSync: true });
  const id = asWorkflowId('chain-with-a-gap');
  const first = store.append(id, at(id, 0, started), { expectedSeq: 0 });
  const stale = store.append(id, at(id, 0, started), { expectedSeq: 0 });
  const next = store.append(id, at(id, 1, { type: 'TimerStarted', timerId: 't', fireAt: 7 }), {
    expectedSeq: 1,
  });
  expect(await first).toEqual({ lastSeq: 1 });
  const conflict = await stale.catch((error: unknown) => error);
  expect(conflict).toBeInstanceOf(ConcurrencyConflict);
  expect(conflict).toMatchObject({ expectedSeq: 0, actualSeq: 1 });
  expect(await next).toEqual({ lastSeq: 2 });
  expect(await store.dueTimers(10)).toEqual([{ workflowId: id, timerId: 't', fireAt: 7 }]);
  expect((await store.verify()).problems).toEqual([]);
  await store.close();
});

it('keeps what it wrote when the caller changes its events after append returns', async () => {
  const store = openLmdbStore({ path: dirs.make(), noSync: true });
  const id = asWorkflowId('mutated');
  const attributes: Record<string, string> = { customer: 'ada' };
  const first = envelopeEvents(id, 0, 1, [{ ...started, searchAttributes: attributes } as EventBody]);
  const upsert = envelopeEvents(id, 1, 2, [
    { type: 'SearchAttributesUpdated', searchAttributes: { region: 'eu' } },
  ]);
  const pending = [
    store.append(id, first, { expectedSeq: 0 }),
    store.append(id, upsert, { expectedSeq: 1 }),
    store.append(id, at(id, 2, signal('x')), { expectedSeq: 2 }),
  ];
  attributes.customer = 'mallory';
  (upsert[0] as { searchAttributes: Record<string, string> }).searchAttributes.region = 'us';
  await Promise.all(pending);
  expect((await store.getSummary(id))?.searchAttributes).toEqual({ customer: 'ada', region: 'eu' });
  expect(await store.append(id, at(id, 3, signal('y')), { expectedSeq: 3 })).toEqual({ lastSeq: 4 });
  expect((await store.getSummary(id))?.searchAttributes).toEqual({ customer: 'ada', region: 'eu' });
  expect((await store.verify()).problems).toEqual([]);
  await store.close();
});

it('lets close wait for appends still waiting their turn', async () => {
  const store = openLmdbStore({ path: dirs.make(), noSync: true });
  const id = asWorkflowId('closing');
  const pending = [
    store.append(id, at(id, 0, started), { expectedSeq: 0 }),
    store.append(id, at(id, 1, signal('a')), { expectedSeq: 1 }),
  ];
  await store.close();
  expect(await Promise.all(pending)).toEqual([{ lastSeq: 1 }, { lastSeq: 2 }]);
});
