// Grouped appends (groupAppends, on by default): appends of several workflows issued in the same
// tick go to the server as one statement, each still conditional on its own row and fence. A
// property test mixes, in one tick, good appends (some with timers), first appends, appends at a
// stale seq, first appends of a workflow that exists and appends under a stale fence: the good
// ones land whole (events, summary, timers), every other one gets its typed error and writes
// nothing, and the tick's appends went in fewer statements than there were appends.
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  asRunId,
  asWorkflowId,
  ConcurrencyConflict,
  type EventBody,
  envelopeEvents,
  FencedError,
  type ShardFence,
  shardOf,
  type WorkflowId,
} from '@reprise/core';
import fc from 'fast-check';
import pg from 'pg';
import { dropTestSchemas, testSchema } from '../../../test/support/postgres.js';
import { openPostgresStore } from '../src/index.js';

afterAll(() => dropTestSchemas());

const T0 = 1_700_000_000_000;
const SHARDS = 8;

const started: EventBody = {
  type: 'WorkflowStarted',
  workflowType: 'order',
  input: null,
  runId: asRunId('r1'),
  parentRunId: null,
} as EventBody;
const signal = (payload: number): EventBody =>
  ({ type: 'SignalReceived', signalName: 's', payload }) as EventBody;
const timer = (timerId: string, fireAt: number): EventBody =>
  ({ type: 'TimerStarted', timerId, fireAt }) as EventBody;

type Kind = 'good' | 'goodTimer' | 'first' | 'staleSeq' | 'existsAlready' | 'staleFence';
const KINDS: readonly Kind[] = ['good', 'goodTimer', 'first', 'staleSeq', 'existsAlready', 'staleFence'];

/** A pool that records the text of every statement issued through `pool.query`. */
function countedPool(url: string): { pool: pg.Pool; statements: string[] } {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const statements: string[] = [];
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  (pool as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = (...args: unknown[]) => {
    const [text] = args;
    statements.push(typeof text === 'string' ? text : String((text as { text?: string })?.text));
    return query(...args);
  };
  return { pool, statements };
}

describe('grouped appends (postgres)', () => {
  it('lands the good appends of a tick whole and refuses each bad one alone, in fewer statements', async () => {
    const { url, schema } = await testSchema('grouped');
    const { pool, statements } = countedPool(url);
    const store = await openPostgresStore({ pool, schema, shardCount: SHARDS });
    try {
      const leases = await store.claimShards('a', { ttlMs: 600_000 });
      const fenceFor = (workflowId: string): ShardFence => {
        const shard = shardOf(workflowId, SHARDS);
        const lease = leases.find((held) => held.shard === shard);
        if (!lease) throw new Error(`shard ${shard} not held`);
        return { shard, epoch: lease.epoch };
      };
      let round = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.constantFrom(...KINDS), { minLength: 2, maxLength: 12 }),
          async (kinds) => {
            round++;
            const ids = kinds.map((_, n) => asWorkflowId(`g${round}-${n}`));
            // Every workflow but the first-append ones starts with one event, appended alone.
            for (const [n, kind] of kinds.entries()) {
              if (kind === 'first') continue;
              const id = ids[n] as WorkflowId;
              await store.append(id, envelopeEvents(id, 0, T0, [started]), {
                expectedSeq: 0,
                fence: fenceFor(id),
              });
            }
            const before = statements.length;
            // One tick: every append is issued before any returns.
            const outcomes = await Promise.allSettled(
              kinds.map((kind, n) => {
                const id = ids[n] as WorkflowId;
                const fence = fenceFor(id);
                switch (kind) {
                  case 'good':
                    return store.append(id, envelopeEvents(id, 1, T0, [signal(n), signal(n + 1)]), {
                      expectedSeq: 1,
                      fence,
                    });
                  case 'goodTimer':
                    return store.append(id, envelopeEvents(id, 1, T0, [timer(`t${n}`, T0 + n)]), {
                      expectedSeq: 1,
                      fence,
                    });
                  case 'first':
                    return store.append(id, envelopeEvents(id, 0, T0, [started]), { expectedSeq: 0, fence });
                  case 'staleSeq':
                    return store.append(id, envelopeEvents(id, 2, T0, [signal(n)]), {
                      expectedSeq: 2,
                      fence,
                    });
                  case 'existsAlready':
                    return store.append(id, envelopeEvents(id, 0, T0, [started]), { expectedSeq: 0, fence });
                  default: // staleFence
                    return store.append(id, envelopeEvents(id, 1, T0, [signal(n)]), {
                      expectedSeq: 1,
                      fence: { ...fence, epoch: fence.epoch + 1 },
                    });
                }
              }),
            );
            const grouped = statements.slice(before).filter((text) => text.startsWith('WITH u AS'));
            // An append at a stale seq is refused before it writes (its row is read first); the
            // others of the tick go together in one statement.
            const writers = kinds.filter((kind) => kind !== 'staleSeq').length;
            expect(grouped.length).toBe(writers >= 2 ? 1 : 0);
            const due = await store.dueTimers(Number.POSITIVE_INFINITY);
            for (const [n, kind] of kinds.entries()) {
              const id = ids[n] as WorkflowId;
              const outcome = outcomes[n] as PromiseSettledResult<{ lastSeq: number }>;
              const history = await store.readHistory(id);
              const summary = await store.getSummary(id);
              const timers = due.filter((entry) => entry.workflowId === id);
              switch (kind) {
                case 'good':
                  expect(outcome).toEqual({ status: 'fulfilled', value: { lastSeq: 3 } });
                  expect(history.map((event) => event.type)).toEqual([
                    'WorkflowStarted',
                    'SignalReceived',
                    'SignalReceived',
                  ]);
                  expect(summary?.historyLength).toBe(3);
                  expect(timers).toEqual([]);
                  break;
                case 'goodTimer':
                  expect(outcome).toEqual({ status: 'fulfilled', value: { lastSeq: 2 } });
                  expect(history.map((event) => event.type)).toEqual(['WorkflowStarted', 'TimerStarted']);
                  expect(timers.map((entry) => [entry.timerId, entry.fireAt])).toEqual([[`t${n}`, T0 + n]]);
                  break;
                case 'first':
                  expect(outcome).toEqual({ status: 'fulfilled', value: { lastSeq: 1 } });
                  expect(history.map((event) => event.type)).toEqual(['WorkflowStarted']);
                  expect(summary?.status).toBe('Running');
                  break;
                case 'staleSeq':
                case 'existsAlready':
                  expect(outcome.status).toBe('rejected');
                  expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyConflict);
                  expect(history.map((event) => event.type)).toEqual(['WorkflowStarted']);
                  expect(summary?.historyLength).toBe(1);
                  break;
                case 'staleFence':
                  expect(outcome.status).toBe('rejected');
                  expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(FencedError);
                  expect(history.map((event) => event.type)).toEqual(['WorkflowStarted']);
                  expect(summary?.historyLength).toBe(1);
                  break;
              }
              expect(await store.lastSeq(id)).toBe(history.length);
            }
            // A good append of the tick builds on what the group wrote: the store's view is whole.
            for (const [n, kind] of kinds.entries()) {
              if (kind !== 'good') continue;
              const id = ids[n] as WorkflowId;
              await store.append(id, envelopeEvents(id, 3, T0, [signal(-1)]), {
                expectedSeq: 3,
                fence: fenceFor(id),
              });
              expect(await store.lastSeq(id)).toBe(4);
            }
          },
        ),
        { numRuns: 15 },
      );
    } finally {
      await store.close();
      await pool.end();
    }
  });

  it('writes each append alone when grouping is off', async () => {
    const { url, schema } = await testSchema('ungrouped');
    const { pool, statements } = countedPool(url);
    const store = await openPostgresStore({ pool, schema, groupAppends: false });
    try {
      const ids = [0, 1, 2].map((n) => asWorkflowId(`u-${n}`));
      await Promise.all(
        ids.map((id) => store.append(id, envelopeEvents(id, 0, T0, [started]), { expectedSeq: 0 })),
      );
      for (const id of ids) expect(await store.lastSeq(id)).toBe(1);
      expect(statements.filter((text) => text.startsWith('WITH u AS'))).toEqual([]);
      expect(
        statements.filter((text) => text.includes('INSERT INTO') && text.includes('.events')).length,
      ).toBe(3);
    } finally {
      await store.close();
      await pool.end();
    }
  });

  it('refuses a groupAppends that is not a boolean', async () => {
    const { url, schema } = await testSchema('badgroup');
    await expect(
      openPostgresStore({ connectionString: url, schema, groupAppends: 'yes' as unknown as boolean }),
    ).rejects.toThrow(/groupAppends/);
  });
});
