// A row's backlog is read from the record and the last chunk: an append that changes nothing of
// the record but the open run's backlog writes its chunk alone, carrying that backlog. Whatever
// the appends and the reopenings (a reopened store builds its next append on what it reads),
// every row equals the projection of its history and verify() finds nothing.
import { afterAll, expect, it } from '@jest/globals';
import {
  asRunId,
  asWorkflowId,
  type EventBody,
  envelopeEvents,
  projectHistory,
  type WorkflowEvent,
} from '@reprise/core';
import fc from 'fast-check';
import { open } from 'lmdb';
import { type LmdbStore, openLmdbStore } from '../src/index.js';
import { chunkHeaderText } from './chunk-form.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('backlog-chunks');
afterAll(() => dirs.removeAll());

const T0 = 1_767_225_600_000;
const id = asWorkflowId('run-1');

/** The start of every run here. */
const START: EventBody = {
  type: 'WorkflowStarted',
  workflowType: 'order',
  input: null,
  runId: asRunId('r1'),
  parentRunId: null,
  searchAttributes: {},
};

/** One step of the run's code or one input from outside, as the event bodies it records. */
type Step = (open: number[]) => EventBody[];

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.constant<Step>((open: number[]) => {
    const activityId = String(open.length + 1);
    open.push(0);
    return [{ type: 'ActivityScheduled', activityId, activityType: 'charge', input: null }];
  }),
  fc.constant<Step>((open: number[]) => {
    if (open.pop() === undefined) return [];
    return [{ type: 'ActivityCompleted', activityId: 'a', attempt: 1, result: 'ok' }];
  }),
  fc.boolean().map(
    (retry): Step =>
      (open) => {
        if (!retry && open.pop() === undefined) return [];
        return [
          {
            type: 'ActivityFailed',
            activityId: 'a',
            attempt: 1,
            error: { name: 'Error', message: 'no' },
            ...(retry ? { retryAt: T0 + 5 } : {}),
          },
        ];
      },
  ),
  fc.constant<Step>(() => [{ type: 'SignalReceived', signalName: 'go', payload: 1 }]),
  fc.constant<Step>(() => [{ type: 'TimerStarted', timerId: 't', fireAt: T0 + 60_000 }]),
  fc.constant<Step>(() => [{ type: 'TimerFired', timerId: 't' }]),
  fc.constantFrom('b1', 'b2').map(
    (buildId): Step =>
      () => [{ type: 'BuildChanged', buildId }],
  ),
  fc.constant<Step>(() => [{ type: 'SearchAttributesUpdated', searchAttributes: { stage: 'x' } }]),
);

const runArbitrary = fc.record({
  firstStepQuiet: fc.boolean(),
  steps: fc.array(fc.record({ step: stepArbitrary, reopen: fc.boolean(), join: fc.boolean() }), {
    minLength: 1,
    maxLength: 12,
  }),
  close: fc.boolean(),
});

async function expectRows(store: LmdbStore, history: readonly WorkflowEvent[]): Promise<void> {
  const expected = projectHistory(history).summary;
  expect(await store.getSummary(id)).toEqual(expected);
  expect((await store.query({})).items).toEqual(expected ? [expected] : []);
}

it('keeps every row equal to the projection of its history, across appends and reopenings', async () => {
  await fc.assert(
    fc.asyncProperty(runArbitrary, async (run) => {
      const path = dirs.make();
      let store = openLmdbStore({ path, noSync: true });
      const history: WorkflowEvent[] = [];
      const append = async (bodies: readonly EventBody[]) => {
        if (bodies.length === 0) return;
        const events = envelopeEvents(id, history.length, T0 + history.length, bodies);
        await store.append(id, events, { expectedSeq: history.length });
        history.push(...events);
      };
      try {
        const open: number[] = [];
        const started: EventBody = {
          ...START,
          ...(run.firstStepQuiet ? { firstStepQuiet: true } : {}),
        };
        let pending: EventBody[] = [started];
        for (const { step, reopen, join } of run.steps) {
          const bodies = step(open);
          if (join) {
            pending.push(...bodies);
            continue;
          }
          await append(pending);
          pending = bodies;
          await expectRows(store, history);
          if (reopen) {
            await store.close();
            store = openLmdbStore({ path, noSync: true });
            await expectRows(store, history);
          }
        }
        if (run.close) pending.push({ type: 'WorkflowCompleted', result: null });
        await append(pending);
        await expectRows(store, history);
        expect((await store.verify()).problems).toEqual([]);
      } finally {
        await store.close();
      }
    }),
    { numRuns: 40 },
  );
});

/** A start whose first step schedules activity 1: the record's backlog has one activity. */
const startedWithAnActivity = () =>
  envelopeEvents(id, 0, T0, [
    START,
    { type: 'ActivityScheduled', activityId: '1', activityType: 'charge', input: null },
  ]);

it('writes an append that moves only the backlog as its chunk alone, carrying that backlog', async () => {
  const path = dirs.make();
  const store = openLmdbStore({ path, noSync: true });
  const recordBytes = () => {
    const raw = open({ path, maxDbs: 32, readOnly: true });
    try {
      return raw.openDB('history', { encoding: 'binary' }).get(['run-1', 0]) as Buffer;
    } finally {
      raw.close();
    }
  };
  try {
    await store.append(id, startedWithAnActivity(), { expectedSeq: 0 });
    const record = Buffer.from(recordBytes());
    const second = envelopeEvents(id, 2, T0 + 1, [
      { type: 'ActivityScheduled', activityId: '2', activityType: 'charge', input: null },
    ]);
    await store.append(id, second, { expectedSeq: 2 });
    expect((await store.getSummary(id))?.backlog).toEqual({ activities: 2, children: 0, signals: 0 });
    // The record is as the first append wrote it; the chunk carries the backlog.
    expect(recordBytes().equals(record)).toBe(true);
    const raw = open({ path, maxDbs: 32, readOnly: true });
    try {
      const chunk = raw.openDB('history', { encoding: 'binary' }).get(['run-1', 3]) as Buffer;
      expect(chunkHeaderText(chunk)).toBe('3{"activities":2,"children":0,"signals":0}\n');
    } finally {
      raw.close();
    }
  } finally {
    await store.close();
  }
});

it('writes a step that ends with the record’s backlog as its events alone, before and after a reopening', async () => {
  const path = dirs.make();
  const chunkHeaderAt = (seq: number) => {
    const raw = open({ path, maxDbs: 32, readOnly: true });
    try {
      return chunkHeaderText(raw.openDB('history', { encoding: 'binary' }).get(['run-1', seq]) as Buffer);
    } finally {
      raw.close();
    }
  };
  const step = (afterSeq: number, activityId: string) =>
    envelopeEvents(id, afterSeq, T0 + afterSeq, [
      { type: 'ActivityCompleted', activityId: String(Number(activityId) - 1), attempt: 1, result: 'ok' },
      { type: 'ActivityScheduled', activityId, activityType: 'charge', input: null },
    ]);
  let store = openLmdbStore({ path, noSync: true });
  try {
    await store.append(id, startedWithAnActivity(), { expectedSeq: 0 });
    // One activity ends and the next is scheduled: the backlog is the record's, the chunk has none.
    await store.append(id, step(2, '2'), { expectedSeq: 2 });
    expect(chunkHeaderAt(3)).toBe('4');
    // A signal moves it: that chunk carries it, and so does the next step's, read back after a
    // reopening (the record still holds the backlog of the start).
    await store.append(
      id,
      envelopeEvents(id, 4, T0 + 4, [{ type: 'SignalReceived', signalName: 'go', payload: 1 }]),
      { expectedSeq: 4 },
    );
    expect(chunkHeaderAt(5)).toBe('5{"activities":1,"children":0,"signals":0,"input":true}\n');
    await store.close();
    store = openLmdbStore({ path, noSync: true });
    await store.append(id, step(5, '3'), { expectedSeq: 5 });
    expect(chunkHeaderAt(6)).toMatch(/^7\{/);
    const history = await store.readHistory(id);
    expect((await store.getSummary(id))?.backlog).toEqual(projectHistory(history).summary?.backlog);
    expect((await store.verify()).problems).toEqual([]);
  } finally {
    await store.close();
  }
});
