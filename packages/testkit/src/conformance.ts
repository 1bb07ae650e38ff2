import {
  asRunId,
  asWorkflowId,
  ConcurrencyConflict,
  type EventBody,
  envelopeEvents,
  InvalidArgumentError,
  InvalidEventError,
  type JsonValue,
  PayloadError,
  projectHistory,
  StoreClosedError,
  statusFromEvents,
  supportsRetention,
  terminalOutcomeFromHistory,
  type VisibilityFilter,
  type WorkflowEvent,
  type WorkflowId,
  type WorkflowStore,
  type WorkflowSummary,
} from '@reprise/core';
import { normalizeFilter, pageOf } from '@reprise/core/internal';
import fc from 'fast-check';
import {
  historyArbitrary,
  payloadArbitrary,
  scheduleCatalogArbitrary,
  scheduleHistoryArbitrary,
} from './arbitraries.js';
import { type TestRunnerGlobals, testRunnerGlobals } from './test-runner-globals.js';

// The runner's functions, bound when the suite is declared (the first line of
// describeEventStoreConformance) instead of imported from '@jest/globals', which throws on
// import outside Jest: the testkit's other tools must import anywhere.
let describe: TestRunnerGlobals['describe'];
let it: TestRunnerGlobals['it'];
let expect: TestRunnerGlobals['expect'];
let afterEach: TestRunnerGlobals['afterEach'];

/** Makes a fresh, empty store for one test. */
export type StoreFactory = () => WorkflowStore | Promise<WorkflowStore>;

const T0 = 1_700_000_000_000;

const started = (runId: string, workflowType = 'order', extra: Partial<EventBody> = {}): EventBody =>
  ({
    type: 'WorkflowStarted',
    workflowType,
    input: { runId },
    runId: asRunId(runId),
    parentRunId: null,
    ...extra,
  }) as EventBody;

const completed = (result: JsonValue = 'ok'): EventBody => ({ type: 'WorkflowCompleted', result });

async function appendBodies(
  store: WorkflowStore,
  workflowId: WorkflowId,
  bodies: readonly EventBody[],
  recordedAt = T0,
): Promise<WorkflowEvent[]> {
  const lastSeq = await store.lastSeq(workflowId);
  const events = envelopeEvents(workflowId, lastSeq, recordedAt, bodies);
  await store.append(workflowId, events, { expectedSeq: lastSeq });
  return events;
}

/** `events` cut into consecutive batches of the given sizes, used in turn (the last may be short). */
function splitBySizes<T>(events: readonly T[], sizes: readonly number[]): T[][] {
  const batches: T[][] = [];
  for (let at = 0, turn = 0; at < events.length; turn++) {
    const size = sizes[turn % sizes.length] as number;
    batches.push(events.slice(at, at + size));
    at += size;
  }
  return batches;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function allPages(store: WorkflowStore, filter: VisibilityFilter): Promise<WorkflowSummary[]> {
  const rows: WorkflowSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ ...filter, ...(cursor ? { cursor } : {}) });
    rows.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return rows;
}

/** What a store must hold for a workflow, recomputed from what it returns as history. */
async function expectConsistent(store: WorkflowStore, workflowId: WorkflowId): Promise<void> {
  const history = await store.readHistory(workflowId);
  expect(history.map((event) => event.seq)).toEqual(history.map((_, index) => index + 1));
  const projection = projectHistory(history);
  expect(await store.getSummary(workflowId)).toEqual(projection.summary);
  expect(await store.lastSeq(workflowId)).toBe(history.length);
}

/**
 * The conformance suite every `EventStore & VisibilityStore` must pass, as a jest `describe`.
 * `makeStore` is called once per test and must return an empty store; the suite closes it.
 */
export function describeEventStoreConformance(name: string, makeStore: StoreFactory): void {
  ({ describe, it, expect, afterEach } = testRunnerGlobals('describeEventStoreConformance'));
  describe(`EventStore conformance: ${name}`, () => {
    const open: WorkflowStore[] = [];
    const fresh = async (): Promise<WorkflowStore> => {
      const store = await makeStore();
      open.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((store) => store.close()));
    });

    describe('append and read', () => {
      it('appends a batch and reads it back whole, in seq order', async () => {
        const store = await fresh();
        const id = asWorkflowId('wf-1');
        const events = await appendBodies(store, id, [
          started('r1'),
          { type: 'TimerStarted', timerId: 't', fireAt: T0 + 5 },
        ]);
        expect(await store.readHistory(id)).toEqual(events);
        expect(await store.lastSeq(id)).toBe(2);
        expect(await store.readHistory(asWorkflowId('unknown'))).toEqual([]);
        expect(await store.lastSeq(asWorkflowId('unknown'))).toBe(0);
      });

      it('returns the last seq after the append', async () => {
        const store = await fresh();
        const id = asWorkflowId('wf');
        const first = envelopeEvents(id, 0, T0, [started('r1')]);
        expect(await store.append(id, first, { expectedSeq: 0 })).toEqual({ lastSeq: 1 });
        const next = envelopeEvents(id, 1, T0, [completed(), started('r2')]);
        expect(await store.append(id, next, { expectedSeq: 1 })).toEqual({ lastSeq: 3 });
      });

      it('reads a range from fromSeq', async () => {
        const store = await fresh();
        const id = asWorkflowId('range');
        const bodies: EventBody[] = [started('r1')];
        for (let i = 0; i < 9; i++) bodies.push({ type: 'TimerStarted', timerId: `t${i}`, fireAt: T0 + i });
        const events = await appendBodies(store, id, bodies);
        expect(await store.readHistory(id, { fromSeq: 4 })).toEqual(events.slice(3));
        expect(await store.readHistory(id, { fromSeq: 10 })).toEqual(events.slice(9));
        expect(await store.readHistory(id, { fromSeq: 11 })).toEqual([]);
      });

      it('keeps workflows apart', async () => {
        const store = await fresh();
        const a = await appendBodies(store, asWorkflowId('a'), [started('ra')]);
        const b = await appendBodies(store, asWorkflowId('b'), [started('rb'), completed()]);
        expect(await store.readHistory(asWorkflowId('a'))).toEqual(a);
        expect(await store.readHistory(asWorkflowId('b'))).toEqual(b);
      });

      it('returns copies: changing what was appended or read changes nothing stored', async () => {
        const store = await fresh();
        const id = asWorkflowId('copies');
        const events = envelopeEvents(id, 0, T0, [started('r1', 'order', { input: { items: [1, 2] } })]);
        await store.append(id, events, { expectedSeq: 0 });
        const itemsOf = (event: WorkflowEvent | undefined) =>
          (event as unknown as { input: { items: number[] } }).input.items;
        itemsOf(events[0]).push(3);
        itemsOf((await store.readHistory(id))[0]).push(4);
        expect((await store.readHistory(id))[0]).toMatchObject({ input: { items: [1, 2] } });
      });

      it('round-trips every JSON payload: unicode, deep nesting, empty containers, __proto__ keys', async () => {
        const store = await fresh();
        let n = 0;
        await fc.assert(
          fc.asyncProperty(payloadArbitrary(), async (payload) => {
            const id = asWorkflowId(`payload-${n++}`);
            await appendBodies(store, id, [started('r', 'p', { input: payload }), completed(payload)]);
            const [start, end] = await store.readHistory(id);
            expect(JSON.stringify((start as { input: JsonValue }).input)).toBe(JSON.stringify(payload));
            expect((end as { result: JsonValue }).result).toEqual(JSON.parse(JSON.stringify(payload)));
            expect(Object.getPrototypeOf({})).toBe(Object.prototype);
            expect(({} as Record<string, unknown>).polluted).toBeUndefined();
          }),
          { numRuns: 60 },
        );
        const deep: JsonValue = Array.from({ length: 200 }).reduce<JsonValue>(
          (inner) => ({ d: [inner] }),
          'bottom',
        );
        const id = asWorkflowId('deep');
        await appendBodies(store, id, [started('r', 'p', { input: deep }), completed('☃ 𝄞 \u0000 é')]);
        const [start, end] = await store.readHistory(id);
        expect((start as { input: JsonValue }).input).toEqual(deep);
        expect((end as { result: JsonValue }).result).toBe('☃ 𝄞 \u0000 é');
      });
    });

    describe('atomic appends', () => {
      it('readers see whole appends or none while multi-event appends are in flight', async () => {
        const store = await fresh();
        let n = 0;
        let partialSightings = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.array(
              fc.tuple(
                historyArbitrary(),
                fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 8 }),
              ),
              { minLength: 1, maxLength: 3 },
            ),
            async (workflows) => {
              const plans = workflows.map(([generated, sizes]) => {
                const id = asWorkflowId(`whole-${n++}`);
                // As JSON carries them (-0 comes back as 0), so what is read compares equal.
                const events = JSON.parse(
                  JSON.stringify(generated.events.map((event) => ({ ...event, workflowId: id }))),
                ) as WorkflowEvent[];
                const batches = splitBySizes(events, sizes);
                // Each length a reader may see (the end of an append), with the summary it implies.
                const boundaries = new Map<number, WorkflowSummary | undefined>([[0, undefined]]);
                let end = 0;
                for (const batch of batches) {
                  end += batch.length;
                  boundaries.set(end, projectHistory(events.slice(0, end)).summary);
                }
                return { id, events, batches, boundaries, seen: 0 };
              });
              // Each workflow's appends go one after the other (each expects the seq the one
              // before left); the reads below never wait for them.
              let inFlight = plans.length;
              const appending = plans.map(async (plan) => {
                try {
                  let expectedSeq = 0;
                  for (const batch of plan.batches) {
                    await store.append(plan.id, batch, { expectedSeq });
                    expectedSeq += batch.length;
                  }
                } finally {
                  inFlight--;
                }
              });
              do {
                for (const plan of plans) {
                  const ends = [...plan.boundaries.keys()];
                  const history = await store.readHistory(plan.id);
                  expect(ends).toContain(history.length);
                  expect(history).toEqual(plan.events.slice(0, history.length));
                  // What a reader saw is never taken back.
                  expect(history.length).toBeGreaterThanOrEqual(plan.seen);
                  if (history.length > 0 && history.length < plan.events.length) partialSightings++;
                  const summary = await store.getSummary(plan.id);
                  const length = summary?.historyLength ?? 0;
                  expect(ends).toContain(length);
                  expect(length).toBeGreaterThanOrEqual(history.length);
                  expect(summary).toEqual(plan.boundaries.get(length));
                  const lastSeq = await store.lastSeq(plan.id);
                  expect(ends).toContain(lastSeq);
                  expect(lastSeq).toBeGreaterThanOrEqual(length);
                  plan.seen = lastSeq;
                }
                // A macrotask turn, so a store that commits off the event loop's microtasks can.
                await new Promise((resolve) => setImmediate(resolve));
              } while (inFlight > 0);
              await Promise.all(appending);
              for (const plan of plans) expect(await store.readHistory(plan.id)).toEqual(plan.events);
            },
          ),
          { numRuns: 20 },
        );
        // The reads prove something only if some of them fell between two appends of a workflow.
        expect(partialSightings).toBeGreaterThan(0);
      });
    });

    describe('conditional appends', () => {
      it('refuses a stale expectedSeq with ConcurrencyConflict carrying expected and actual, and writes nothing', async () => {
        const store = await fresh();
        const id = asWorkflowId('stale');
        await appendBodies(store, id, [started('r1')]);
        const before = await store.readHistory(id);
        const stale = envelopeEvents(id, 0, T0, [started('r2')]);
        const error = await store.append(id, stale, { expectedSeq: 0 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConcurrencyConflict);
        expect(error).toMatchObject({ code: 'concurrency_conflict', expectedSeq: 0, actualSeq: 1 });
        const ahead = envelopeEvents(id, 5, T0, [completed()]);
        await expect(store.append(id, ahead, { expectedSeq: 5 })).rejects.toMatchObject({
          code: 'concurrency_conflict',
          expectedSeq: 5,
          actualSeq: 1,
        });
        expect(await store.readHistory(id)).toEqual(before);
        await expectConsistent(store, id);
      });

      it('lets exactly one of several concurrent appenders at the same seq win, whatever the interleaving', async () => {
        const store = await fresh();
        let n = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 2, max: 6 }),
            fc.boolean(),
            fc.scheduler(),
            async (appenders, existing, s) => {
              const id = asWorkflowId(`race-${n++}`);
              if (existing) await appendBodies(store, id, [started('r0')]);
              const expectedSeq = existing ? 1 : 0;
              const batches = Array.from({ length: appenders }, (_, i) =>
                envelopeEvents(
                  id,
                  expectedSeq,
                  T0 + i,
                  existing ? [completed(i)] : [started(`r${i}`), completed(i)],
                ),
              );
              const attempts = batches.map((batch) =>
                s
                  .schedule(Promise.resolve(batch))
                  .then((events) => store.append(id, events, { expectedSeq })),
              );
              await s.waitAll();
              const settled = await Promise.allSettled(attempts);
              const winners = settled.flatMap((result, index) =>
                result.status === 'fulfilled' ? [index] : [],
              );
              expect(winners).toHaveLength(1);
              for (const result of settled) {
                if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(ConcurrencyConflict);
              }
              const history = await store.readHistory(id);
              expect(history.slice(expectedSeq)).toEqual(batches[winners[0] as number]);
              await expectConsistent(store, id);
            },
          ),
          { numRuns: 25 },
        );
      });
    });

    describe('bad input is refused with a typed error and nothing is written', () => {
      const cases: [string, (id: WorkflowId) => unknown[], new (...args: never[]) => Error][] = [
        [
          'a seq that does not follow expectedSeq',
          (id) => envelopeEvents(id, 3, T0, [completed()]),
          InvalidEventError,
        ],
        [
          'a gap inside the batch',
          (id) => [
            ...envelopeEvents(id, 1, T0, [completed()]),
            ...envelopeEvents(id, 3, T0, [started('r9')]),
          ],
          InvalidEventError,
        ],
        [
          'an unknown event type',
          (id) => [{ type: 'WorkflowExploded', seq: 2, recordedAt: T0, workflowId: id }],
          InvalidEventError,
        ],
        [
          'a missing required field',
          (id) => [{ type: 'TimerStarted', timerId: 't', seq: 2, recordedAt: T0, workflowId: id }],
          InvalidEventError,
        ],
        [
          'another workflow id',
          () => envelopeEvents(asWorkflowId('other'), 1, T0, [completed()]),
          InvalidEventError,
        ],
        [
          'a timeout of the wrong shape',
          (id) =>
            envelopeEvents(id, 1, T0, [
              { type: 'WorkflowTimedOut', timeout: { kind: 'execution', after: 5 } as never },
            ]),
          InvalidEventError,
        ],
        [
          'an unknown parent close policy',
          (id) =>
            envelopeEvents(id, 1, T0, [
              {
                type: 'ChildWorkflowStarted',
                childId: 'c1',
                childWorkflowId: asWorkflowId('kid'),
                workflowType: 'kid',
                input: null,
                parentClosePolicy: 'ignore' as never,
              },
            ]),
          InvalidEventError,
        ],
        [
          'an unknown overlap policy on a fire',
          (id) =>
            envelopeEvents(id, 1, T0, [
              {
                type: 'ScheduleTriggered',
                scheduleId: 's',
                fireAt: T0,
                startedWorkflowId: asWorkflowId('s@fire'),
                cause: 'trigger',
                overlap: 'queue' as never,
              },
            ]),
          InvalidEventError,
        ],
        ['an empty batch', () => [], InvalidEventError],
        [
          'undefined in a payload',
          (id) => envelopeEvents(id, 1, T0, [completed({ a: undefined } as never)]),
          PayloadError,
        ],
        ['NaN in a payload', (id) => envelopeEvents(id, 1, T0, [completed([1, Number.NaN])]), PayloadError],
        [
          'a function in a payload',
          (id) => envelopeEvents(id, 1, T0, [completed({ f: (() => 1) as never })]),
          PayloadError,
        ],
        [
          'a BigInt in a payload',
          (id) => envelopeEvents(id, 1, T0, [completed({ n: 1n as never })]),
          PayloadError,
        ],
      ];
      it.each(cases)('%s', async (_label, makeEvents, errorClass) => {
        const store = await fresh();
        const id = asWorkflowId('bad');
        await appendBodies(store, id, [started('r1')]);
        const before = await store.readHistory(id);
        const summary = await store.getSummary(id);
        await expect(
          store.append(id, makeEvents(id) as WorkflowEvent[], { expectedSeq: 1 }),
        ).rejects.toBeInstanceOf(errorClass);
        expect(await store.readHistory(id)).toEqual(before);
        expect(await store.getSummary(id)).toEqual(summary);
        expect(await store.readHistory(asWorkflowId('other'))).toEqual([]);
      });

      it('a cyclic payload names the path of the cycle', async () => {
        const store = await fresh();
        const id = asWorkflowId('cycle');
        const cyclic: Record<string, unknown> = { order: { lines: [] as unknown[] } };
        ((cyclic.order as { lines: unknown[] }).lines as unknown[]).push(cyclic);
        const error = await store
          .append(id, envelopeEvents(id, 0, T0, [started('r', 'o', { input: cyclic as never })]), {
            expectedSeq: 0,
          })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(PayloadError);
        expect((error as PayloadError).path).toBe('events[0].input.order.lines[0]');
        expect(await store.lastSeq(id)).toBe(0);
        expect(await store.getSummary(id)).toBeUndefined();
      });
    });

    describe('runs, status and the active set', () => {
      it('tracks a workflow id through Running → Completed → Running again (same id restarted)', async () => {
        const store = await fresh();
        const id = asWorkflowId('restarted');
        await appendBodies(store, id, [started('r1')], T0);
        expect(await collect(store.listActive())).toEqual([id]);
        await appendBodies(store, id, [completed('first')], T0 + 10);
        expect(await collect(store.listActive())).toEqual([]);
        expect(await store.getSummary(id)).toMatchObject({
          status: 'Completed',
          runId: 'r1',
          closedAt: T0 + 10,
        });
        await appendBodies(store, id, [started('r2')], T0 + 20);
        expect(await collect(store.listActive())).toEqual([id]);
        const summary = await store.getSummary(id);
        expect(summary).toMatchObject({
          status: 'Running',
          runId: 'r2',
          startedAt: T0 + 20,
          createdAt: T0,
          historyLength: 3,
        });
        expect(summary?.closedAt).toBeUndefined();
        const history = await store.readHistory(id);
        expect(terminalOutcomeFromHistory(history, asRunId('r1'))).toEqual({
          status: 'Completed',
          result: 'first',
        });
        expect(terminalOutcomeFromHistory(history, asRunId('r2'))).toBeUndefined();
      });

      it('a ContinuedAsNew run is not active and is found by a status query until its successor starts', async () => {
        const store = await fresh();
        const id = asWorkflowId('can');
        await appendBodies(store, id, [started('r1')]);
        await appendBodies(
          store,
          id,
          [{ type: 'WorkflowContinuedAsNew', input: 2, parentRunId: asRunId('r1') }],
          T0 + 5,
        );
        expect(await collect(store.listActive())).toEqual([]);
        expect(await store.count({ status: 'ContinuedAsNew' })).toBe(1);
        expect((await store.query({ status: 'ContinuedAsNew' })).items.map((row) => row.workflowId)).toEqual([
          id,
        ]);
        await appendBodies(store, id, [started('r2', 'order', { parentRunId: asRunId('r1') })], T0 + 6);
        expect(await collect(store.listActive())).toEqual([id]);
        expect(await store.count({ status: 'ContinuedAsNew' })).toBe(0);
        expect(await store.getSummary(id)).toMatchObject({ parentRunId: 'r1', status: 'Running' });
      });

      it('a ContinuedAsNew naming another run does not close the open run', async () => {
        const store = await fresh();
        const id = asWorkflowId('stray');
        await appendBodies(store, id, [
          started('r2'),
          { type: 'WorkflowContinuedAsNew', input: 1, parentRunId: asRunId('r1') },
        ]);
        expect((await store.getSummary(id))?.status).toBe('Running');
        expect(await collect(store.listActive())).toEqual([id]);
      });

      it('projects the status and summary of any well-formed history, appended in any split', async () => {
        const store = await fresh();
        let n = 0;
        await fc.assert(
          fc.asyncProperty(
            historyArbitrary(),
            fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 10 }),
            async (generated, splits) => {
              const id = asWorkflowId(`gen-${n++}`);
              const events = generated.events.map((event) => ({ ...event, workflowId: id }));
              let at = 0;
              for (let i = 0; at < events.length; i++) {
                const size = splits[i % splits.length] as number;
                await store.append(id, events.slice(at, at + size), { expectedSeq: at });
                at += size;
              }
              const history = await store.readHistory(id);
              // As JSON carries them: -0 comes back as 0.
              expect(history).toEqual(JSON.parse(JSON.stringify(events)));
              expect(statusFromEvents(history)).toBe(generated.expectedStatus);
              expect((await store.getSummary(id))?.status).toBe(generated.expectedStatus);
              await expectConsistent(store, id);
              const active = await collect(store.listActive());
              expect(active.includes(id)).toBe(generated.expectedStatus === 'Running');
            },
          ),
          { numRuns: 40 },
        );
      });
      it('keeps histories with no WorkflowStarted (schedules, the schedules catalog) with no row, no active entry and no timer', async () => {
        const store = await fresh();
        let n = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(scheduleHistoryArbitrary(), scheduleCatalogArbitrary()),
            fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 6 }),
            async (generated, sizes) => {
              const id = asWorkflowId(`schedule-${n++}`);
              const events = generated.events.map((event) => ({ ...event, workflowId: id }));
              let expectedSeq = 0;
              for (const batch of splitBySizes(events, sizes)) {
                await store.append(id, batch, { expectedSeq });
                expectedSeq += batch.length;
              }
              expect(await store.readHistory(id)).toEqual(JSON.parse(JSON.stringify(events)));
              expect(await store.lastSeq(id)).toBe(events.length);
              expect(await store.getSummary(id)).toBeUndefined();
              expect(await collect(store.listActive())).toEqual([]);
              expect(await store.count({})).toBe(0);
              expect(await store.dueTimers(Number.MAX_SAFE_INTEGER)).toEqual([]);
            },
          ),
          { numRuns: 30 },
        );
      });
    });

    describe('visibility queries', () => {
      async function seed(store: WorkflowStore) {
        const rows = [
          {
            id: 'w1',
            type: 'order',
            at: T0 + 1,
            close: 'Completed',
            attrs: { customer: 'ada', amount: 10, tags: ['vip', 'eu'] },
          },
          {
            id: 'w2',
            type: 'order',
            at: T0 + 2,
            close: undefined,
            attrs: { customer: 'bob', amount: 25, note: 'Rush delivery, fragile' },
          },
          {
            id: 'w3',
            type: 'invoice',
            at: T0 + 3,
            close: 'Failed',
            attrs: { customer: 'ada', amount: 99.5, vip: true },
          },
          {
            id: 'w4',
            type: 'order',
            at: T0 + 4,
            close: 'Cancelled',
            attrs: { customer: 'cy', placedAt: '2026-01-02T00:00:00.000Z' },
          },
          { id: 'w5', type: 'invoice', at: T0 + 5, close: undefined, attrs: {} },
        ] as const;
        for (const row of rows) {
          await appendBodies(
            store,
            asWorkflowId(row.id),
            [started(`r-${row.id}`, row.type, { searchAttributes: row.attrs })],
            row.at,
          );
          if (row.close === 'Completed')
            await appendBodies(store, asWorkflowId(row.id), [completed()], row.at + 100);
          if (row.close === 'Failed') {
            await appendBodies(
              store,
              asWorkflowId(row.id),
              [{ type: 'WorkflowFailed', error: { name: 'E', message: 'x' } }],
              row.at + 200,
            );
          }
          if (row.close === 'Cancelled') {
            await appendBodies(
              store,
              asWorkflowId(row.id),
              [{ type: 'WorkflowCancelled', reason: null }],
              row.at + 300,
            );
          }
        }
      }
      const ids = async (store: WorkflowStore, filter: VisibilityFilter) =>
        (await allPages(store, filter)).map((row) => row.workflowId);

      const filters: [string, VisibilityFilter, string[]][] = [
        ['no filter, newest first', {}, ['w5', 'w4', 'w3', 'w2', 'w1']],
        ['one status', { status: 'Running' }, ['w5', 'w2']],
        ['several statuses', { status: ['Failed', 'Cancelled'] }, ['w4', 'w3']],
        ['type', { workflowType: 'order' }, ['w4', 'w2', 'w1']],
        ['status and type', { status: 'Running', workflowType: 'invoice' }, ['w5']],
        ['started after (strict)', { startedAfter: T0 + 3 }, ['w5', 'w4']],
        ['started before (strict)', { startedBefore: T0 + 3 }, ['w2', 'w1']],
        ['closed after', { closedAfter: T0 + 150 }, ['w4', 'w3']],
        ['closed before', { closedBefore: T0 + 250 }, ['w3', 'w1']],
        ['attribute equals', { searchAttributes: { customer: 'ada' } }, ['w3', 'w1']],
        ['attribute eq', { searchAttributes: { customer: { eq: 'bob' } } }, ['w2']],
        ['attribute in', { searchAttributes: { customer: { in: ['bob', 'cy'] } } }, ['w4', 'w2']],
        ['numeric range', { searchAttributes: { amount: { gte: 10, lt: 99.5 } } }, ['w2', 'w1']],
        ['numeric gt / lte', { searchAttributes: { amount: { gt: 10, lte: 99.5 } } }, ['w3', 'w2']],
        ['datetime range', { searchAttributes: { placedAt: { gte: '2026-01-01T00:00:00.000Z' } } }, ['w4']],
        ['keyword list contains (bare value)', { searchAttributes: { tags: 'vip' } }, ['w1']],
        ['keyword list contains', { searchAttributes: { tags: { contains: 'eu' } } }, ['w1']],
        ['text contains a word, any case', { searchAttributes: { note: { contains: 'RUSH' } } }, ['w2']],
        ['prefix', { searchAttributes: { customer: { prefix: 'b' } } }, ['w2']],
        ['bool', { searchAttributes: { vip: true } }, ['w3']],
        ['exists', { searchAttributes: { amount: { exists: true } } }, ['w3', 'w2', 'w1']],
        ['not exists', { searchAttributes: { amount: { exists: false } } }, ['w5', 'w4']],
        ['attribute and status', { status: 'Completed', searchAttributes: { customer: 'ada' } }, ['w1']],
        ['nothing matches', { searchAttributes: { customer: 'zed' } }, []],
      ];
      it.each(filters)('%s', async (_label, filter, expected) => {
        const store = await fresh();
        await seed(store);
        expect(await ids(store, filter)).toEqual(expected);
        expect(await ids(store, { ...filter, limit: 1 })).toEqual(expected);
        expect(await store.count(filter)).toBe(expected.length);
      });

      it('sees search attribute updates at once; null removes one', async () => {
        const store = await fresh();
        await seed(store);
        await appendBodies(store, asWorkflowId('w2'), [
          { type: 'SearchAttributesUpdated', searchAttributes: { customer: 'dee', amount: null } },
        ]);
        expect(await ids(store, { searchAttributes: { customer: 'dee' } })).toEqual(['w2']);
        expect(await ids(store, { searchAttributes: { customer: 'bob' } })).toEqual([]);
        expect(await ids(store, { searchAttributes: { amount: { exists: true } } })).toEqual(['w3', 'w1']);
        expect((await store.getSummary(asWorkflowId('w2')))?.searchAttributes).toEqual({
          customer: 'dee',
          note: 'Rush delivery, fragile',
        });
      });

      it('summaries and pages are copies: changing one changes nothing stored', async () => {
        const store = await fresh();
        const id = asWorkflowId('kept');
        const parent = {
          workflowId: asWorkflowId('parent'),
          runId: asRunId('pr'),
          childId: '1',
          parentClosePolicy: 'terminate',
        } as const;
        await appendBodies(store, id, [
          started('r1', 'order', { parent, searchAttributes: { customer: 'ada', tags: ['vip'] } }),
        ]);
        // A snapshot of its own: the returned object is what the test goes on to change.
        const original = structuredClone(await store.getSummary(id));
        expect(original).toMatchObject({
          status: 'Running',
          historyLength: 1,
          searchAttributes: { customer: 'ada', tags: ['vip'] },
          parent,
        });
        const vandalize = (summary: WorkflowSummary | undefined): void => {
          const row = summary as unknown as {
            status: string;
            historyLength: number;
            searchAttributes: { customer: string; tags: string[]; added?: number };
            parent: { childId: string };
          };
          row.status = 'Failed';
          row.historyLength = 99;
          row.searchAttributes.customer = 'eve';
          row.searchAttributes.tags.push('banned');
          row.searchAttributes.added = 1;
          row.parent.childId = 'forged';
        };
        const expectUnchanged = async (): Promise<void> => {
          expect(await store.getSummary(id)).toEqual(original);
          expect((await store.query({})).items).toEqual([original]);
          expect(await store.count({ status: 'Running' })).toBe(1);
          expect(await store.count({ status: 'Failed' })).toBe(0);
          expect(await ids(store, { searchAttributes: { customer: 'ada' } })).toEqual([id]);
          expect(await ids(store, { searchAttributes: { customer: 'eve' } })).toEqual([]);
          expect(await ids(store, { searchAttributes: { tags: 'banned' } })).toEqual([]);
          expect(await ids(store, { searchAttributes: { added: { exists: true } } })).toEqual([]);
        };
        vandalize(await store.getSummary(id));
        await expectUnchanged();
        vandalize((await store.query({})).items[0]);
        await expectUnchanged();
        vandalize((await store.query({ searchAttributes: { customer: 'ada' } })).items[0]);
        await expectUnchanged();
      });

      it('refuses a malformed filter with a typed error', async () => {
        const store = await fresh();
        await expect(store.query({ status: 'Sleeping' as never })).rejects.toMatchObject({
          code: 'invalid_argument',
        });
        await expect(store.query({ limit: 0 })).rejects.toMatchObject({ code: 'invalid_argument' });
        await expect(store.query({ cursor: 'not-a-cursor' })).rejects.toMatchObject({
          code: 'invalid_argument',
        });
        await expect(store.query({ searchAttributes: { a: { near: 1 } as never } })).rejects.toMatchObject({
          code: 'invalid_argument',
        });
      });

      it('agrees with the reference page for random filters over random histories', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(historyArbitrary({ maxRuns: 2, maxSteps: 3 }), { minLength: 1, maxLength: 12 }),
            fc.record(
              {
                status: fc.constantFrom('Running', 'Completed', 'ContinuedAsNew', 'Failed'),
                workflowType: fc.constantFrom('order', 'invoice'),
                searchAttributes: fc.constantFrom(
                  { customer: { exists: true } },
                  { region: { prefix: 'a' } },
                ),
                limit: fc.integer({ min: 1, max: 5 }),
              },
              { requiredKeys: [] },
            ),
            async (histories, filter) => {
              const store = await fresh();
              const summaries: WorkflowSummary[] = [];
              for (const [index, generated] of histories.entries()) {
                const id = asWorkflowId(`g${index}`);
                const events = generated.events.map((event) => ({ ...event, workflowId: id }));
                await store.append(id, events, { expectedSeq: 0 });
                const summary = projectHistory(events).summary;
                if (summary) summaries.push(summary);
              }
              const got = await allPages(store, filter as VisibilityFilter);
              const want = pageOf(summaries, {
                ...normalizeFilter(filter as VisibilityFilter),
                limit: Number.POSITIVE_INFINITY,
              });
              expect(got).toEqual(want.items);
              await store.close();
            },
          ),
          { numRuns: 20 },
        );
      });

      it('pages with no duplicate or missing row while appends go on', async () => {
        const store = await fresh();
        const original: string[] = [];
        for (let i = 0; i < 40; i++) {
          const id = `p${String(i).padStart(2, '0')}`;
          original.push(id);
          await appendBodies(
            store,
            asWorkflowId(id),
            [started(`r${i}`, 'paged', { searchAttributes: { n: i } })],
            T0 + (i % 7),
          );
        }
        const seen: string[] = [];
        let cursor: string | undefined;
        let round = 0;
        do {
          const page = await store.query({ workflowType: 'paged', limit: 6, ...(cursor ? { cursor } : {}) });
          seen.push(...page.items.map((row) => row.workflowId));
          cursor = page.cursor;
          // Meanwhile: new workflows of the same type, closes, attribute updates, timers.
          await appendBodies(
            store,
            asWorkflowId(`new${round}`),
            [started(`n${round}`, 'paged')],
            T0 + 100 + round,
          );
          const victim = asWorkflowId(original[(round * 11) % original.length] as string);
          await appendBodies(store, victim, [
            { type: 'SearchAttributesUpdated', searchAttributes: { n: -round } },
            { type: 'TimerStarted', timerId: `t${round}`, fireAt: T0 + round },
          ]);
          if (round % 2 === 0)
            await appendBodies(store, asWorkflowId(original[round] as string), [completed()]);
          round++;
        } while (cursor);
        const fromOriginal = seen.filter((id) => original.includes(id));
        expect(new Set(seen).size).toBe(seen.length);
        expect([...fromOriginal].sort()).toEqual([...original].sort());
      });
    });

    describe('timers', () => {
      it('lists started timers that have neither fired nor been cancelled, due by the given time, earliest first', async () => {
        const store = await fresh();
        const a = asWorkflowId('ta');
        const b = asWorkflowId('tb');
        await appendBodies(store, a, [
          started('ra'),
          { type: 'TimerStarted', timerId: 'late', fireAt: T0 + 300 },
          { type: 'TimerStarted', timerId: 'fired', fireAt: T0 + 10 },
          { type: 'TimerStarted', timerId: 'cancelled', fireAt: T0 + 20 },
          { type: 'TimerStarted', timerId: 'soon', fireAt: T0 + 100 },
        ]);
        await appendBodies(store, b, [
          started('rb'),
          { type: 'TimerStarted', timerId: 'x', fireAt: T0 + 50 },
        ]);
        await appendBodies(store, a, [
          { type: 'TimerFired', timerId: 'fired' },
          { type: 'TimerCancelled', timerId: 'cancelled' },
        ]);
        expect(await store.dueTimers(T0 + 100)).toEqual([
          { workflowId: b, timerId: 'x', fireAt: T0 + 50 },
          { workflowId: a, timerId: 'soon', fireAt: T0 + 100 },
        ]);
        expect((await store.dueTimers(Number.MAX_SAFE_INTEGER)).map((timer) => timer.timerId)).toEqual([
          'x',
          'soon',
          'late',
        ]);
        expect(await store.dueTimers(T0)).toEqual([]);
      });

      it('drops the timers of a run once it closes, and does not carry them into the next run', async () => {
        const store = await fresh();
        const id = asWorkflowId('closing');
        await appendBodies(store, id, [started('r1'), { type: 'TimerStarted', timerId: 't', fireAt: T0 }]);
        expect(await store.dueTimers(T0)).toHaveLength(1);
        await appendBodies(store, id, [completed()]);
        expect(await store.dueTimers(T0)).toEqual([]);
        await appendBodies(store, id, [
          started('r2'),
          { type: 'TimerStarted', timerId: 'u', fireAt: T0 + 1 },
        ]);
        expect(await store.dueTimers(T0 + 1)).toEqual([{ workflowId: id, timerId: 'u', fireAt: T0 + 1 }]);
      });
    });

    describe('retention (deleteClosed, for a store that has it)', () => {
      // A store without `deleteClosed` has no retention: these tests have nothing to check on it.
      const retaining = async () => {
        const store = await fresh();
        return supportsRetention(store) ? store : undefined;
      };
      const HOUR = 3_600_000;
      /** Starts `id` at T0 and, when `closedAt` is given, completes it then. */
      const seed = async (
        store: WorkflowStore,
        id: string,
        closedAt?: number,
        extra: Partial<EventBody> = {},
      ) => {
        const workflowId = asWorkflowId(id);
        await appendBodies(store, workflowId, [started(`run-${id}`, 'order', extra)], T0);
        if (closedAt !== undefined) await appendBodies(store, workflowId, [completed()], closedAt);
        return workflowId;
      };
      const drain = async (store: WorkflowStore & { deleteClosed: Function }, options: object) => {
        const deleted: string[] = [];
        let cursor: string | undefined;
        for (let batch = 0; batch < 100; batch++) {
          const result = await store.deleteClosed({ ...options, ...(cursor ? { cursor } : {}) });
          deleted.push(...result.deleted);
          cursor = result.cursor;
          if (!cursor) break;
        }
        return deleted;
      };

      it('deletes the history, row and index entries of workflows closed before the cutoff, and nothing else', async () => {
        const store = await retaining();
        if (!store) return;
        const old = await seed(store, 'old', T0 + HOUR);
        await seed(store, 'recent', T0 + 5 * HOUR);
        await seed(store, 'open');
        const result = await store.deleteClosed({ closedBefore: T0 + 2 * HOUR });
        expect(result.deleted).toEqual([old]);
        expect(await store.readHistory(old)).toEqual([]);
        expect(await store.lastSeq(old)).toBe(0);
        expect(await store.getSummary(old)).toBeUndefined();
        expect((await store.query({})).items.map((row) => row.workflowId).sort()).toEqual(['open', 'recent']);
        expect(await store.count({ status: 'Completed' })).toBe(1);
        expect(await collect(store.listActive())).toEqual([asWorkflowId('open')]);
        for (const id of ['recent', 'open']) await expectConsistent(store, asWorkflowId(id));
        // The id is free again: a new start begins at seq 1.
        await appendBodies(store, old, [started('again')], T0 + 3 * HOUR);
        expect((await store.readHistory(old)).map((event) => event.seq)).toEqual([1]);
        await expectConsistent(store, old);
      });

      it('goes in batches of at most `limit`, with a cursor; a dry run deletes nothing', async () => {
        const store = await retaining();
        if (!store) return;
        for (let n = 0; n < 5; n++) await seed(store, `w${n}`, T0 + HOUR);
        const dry = await drain(store, { closedBefore: T0 + 2 * HOUR, limit: 2, dryRun: true });
        expect(dry.sort()).toEqual(['w0', 'w1', 'w2', 'w3', 'w4']);
        expect(await store.count({})).toBe(5);
        const first = await store.deleteClosed({ closedBefore: T0 + 2 * HOUR, limit: 2 });
        expect(first.deleted).toHaveLength(2);
        expect(await store.count({})).toBe(3);
        const rest = await drain(store, { closedBefore: T0 + 2 * HOUR, limit: 2 });
        expect([...first.deleted, ...rest].sort()).toEqual(['w0', 'w1', 'w2', 'w3', 'w4']);
        expect(await store.count({})).toBe(0);
      });

      it('keeps a child while its parent runs; the parent of a deleted child stays readable', async () => {
        const store = await retaining();
        if (!store) return;
        const parent = await seed(store, 'parent');
        const link = {
          parent: {
            workflowId: parent,
            runId: asRunId('run-parent'),
            childId: 'c1',
            parentClosePolicy: 'abandon',
          },
        };
        const child = await seed(store, 'child', T0 + HOUR, link as Partial<EventBody>);
        expect((await store.deleteClosed({ closedBefore: T0 + 2 * HOUR })).deleted).toEqual([]);
        await appendBodies(store, parent, [completed()], T0 + 3 * HOUR);
        const parentHistory = await store.readHistory(parent);
        expect((await store.deleteClosed({ closedBefore: T0 + 2 * HOUR })).deleted).toEqual([child]);
        expect(await store.readHistory(parent)).toEqual(parentHistory);
        await expectConsistent(store, parent);
      });

      it('filters by workflow type, and refuses bad options with InvalidArgumentError', async () => {
        const store = await retaining();
        if (!store) return;
        await seed(store, 'order-1', T0 + HOUR);
        const refund = asWorkflowId('refund-1');
        await appendBodies(store, refund, [started('r', 'refund')], T0);
        await appendBodies(store, refund, [completed()], T0 + HOUR);
        expect(
          (await store.deleteClosed({ closedBefore: T0 + 2 * HOUR, workflowType: 'refund' })).deleted,
        ).toEqual([refund]);
        expect(await store.count({})).toBe(1);
        for (const options of [
          {},
          { closedBefore: Number.NaN },
          { closedBefore: T0, limit: 0 },
          { closedBefore: T0, limit: 1001 },
        ]) {
          await expect(store.deleteClosed(options as never)).rejects.toBeInstanceOf(InvalidArgumentError);
        }
        expect(await store.count({})).toBe(1);
      });

      it('leaves exactly the workflows that are open or closed at or after the cutoff', async () => {
        const store = await retaining();
        if (!store) return;
        let round = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }), { maxLength: 12 }),
            fc.integer({ min: 1, max: 11 }),
            fc.integer({ min: 1, max: 4 }),
            async (closings, cutoff, limit) => {
              round++;
              const ids = await Promise.all(
                closings.map((hours, n) =>
                  seed(store, `p${round}-${n}`, hours === undefined ? undefined : T0 + hours * HOUR),
                ),
              );
              await drain(store, { closedBefore: T0 + cutoff * HOUR, limit });
              const kept = ids.filter(
                (_, n) => closings[n] === undefined || (closings[n] as number) >= cutoff,
              );
              const left = (await store.query({ limit: 10_000 })).items
                .map((row) => row.workflowId as string)
                .filter((id) => id.startsWith(`p${round}-`));
              expect(left.sort()).toEqual([...kept].sort());
              for (const id of kept) await expectConsistent(store, id);
              // Each round leaves its survivors behind; the next round's cutoff may take them.
              await drain(store, { closedBefore: T0 + 100 * HOUR, limit: 10 });
            },
          ),
          { numRuns: 15 },
        );
      });
    });

    describe('closing', () => {
      it('close is idempotent and every other call afterwards throws StoreClosedError', async () => {
        const store = await fresh();
        const id = asWorkflowId('closed');
        await appendBodies(store, id, [started('r1')]);
        await store.close();
        await store.close();
        const calls: [string, () => Promise<unknown>][] = [
          ['append', () => store.append(id, envelopeEvents(id, 1, T0, [completed()]), { expectedSeq: 1 })],
          ['readHistory', () => store.readHistory(id)],
          ['lastSeq', () => store.lastSeq(id)],
          ['listActive', () => collect(store.listActive())],
          ['dueTimers', () => store.dueTimers(T0)],
          ['getSummary', () => store.getSummary(id)],
          ['query', () => store.query({})],
          ['count', () => store.count({})],
        ];
        for (const [, call] of calls) {
          await expect(Promise.resolve().then(call)).rejects.toBeInstanceOf(StoreClosedError);
        }
      });
    });
  });
}
