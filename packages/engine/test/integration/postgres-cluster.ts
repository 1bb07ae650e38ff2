// Several engines on one PostgreSQL schema, each with its own pool, on one virtual clock that also moves the database's clock: for the tests of scale-out over PostgreSQL.
import type { WorkflowStore } from '@reprise/core';
import { Engine, type EngineOptions, VirtualClock } from '@reprise/engine';
import { openPostgresStore } from '@reprise/store-postgres';
import { sql, testSchema } from '../../../../test/support/postgres.js';

export const T0 = 1_767_225_600_000;
export const SHARDS = 8;
// A lease long against the wall time a step of the test takes: the database's clock moves on
// with the wall clock besides the offset the test adds, and tests never depend on machine speed.
export const TTL = 60_000;
/** The inbox poll, in virtual time: each step of `advance` is a few queries per engine. */
export const POLL = 5_000;
export const quiet = { warn: () => {} };
/** Engines on one schema; `advance` moves the engines' virtual clock and the database's clock together. */
export async function pgCluster(prefix: string, notifications = true, shardCount = SHARDS) {
  const { url, schema } = await testSchema(prefix);
  const clock = new VirtualClock(T0);
  const engines: Engine[] = [];
  const stores: WorkflowStore[] = [];
  const open = async (refused?: unknown[]) => {
    const store = await openPostgresStore(
      { connectionString: url, maxConnections: 4 },
      { schema, shardCount, notifications },
    );
    stores.push(store);
    if (!refused) return store;
    return new Proxy(store, {
      get(target, key) {
        const value = Reflect.get(target, key, target) as unknown;
        if (key !== 'append') {
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        }
        return async (...args: Parameters<WorkflowStore['append']>) => {
          try {
            return await target.append(...args);
          } catch (error) {
            refused.push(error);
            throw error;
          }
        };
      },
    }) as WorkflowStore;
  };
  const settle = async () => {
    for (let round = 0; round < 3; round++) await Promise.all(engines.map((engine) => engine.idle()));
  };
  const advance = async (ms: number) => {
    const target = clock.now() + ms;
    await settle();
    for (;;) {
      const next = clock.nextTimerAt();
      if (next === undefined || next > target) break;
      const step = Math.max(0, next - clock.now());
      await sql(url, `UPDATE "${schema}".store_config SET clock_offset_ms = clock_offset_ms + $1`, [step]);
      await clock.advance(step);
      await settle();
    }
    const rest = target - clock.now();
    await sql(url, `UPDATE "${schema}".store_config SET clock_offset_ms = clock_offset_ms + $1`, [rest]);
    await clock.advance(rest);
    await settle();
  };
  return {
    url,
    schema,
    clock,
    open,
    advance,
    async engine(
      ownerId: string,
      workflows: EngineOptions['workflows'],
      activities: EngineOptions['activities'] = [],
    ) {
      const engine = await Engine.create({
        store: await open(),
        clock,
        logger: quiet,
        workflows,
        activities,
        ownership: { ownerId, leaseTtlMs: TTL, pollMs: POLL },
      });
      engines.push(engine);
      return engine;
    },
    /**
     * Resolves `call` while the clock moves a poll at a time (callers poll for what other
     * engines record; a call's own queries are not work `idle` waits for).
     */
    async during<T>(call: Promise<T>): Promise<T> {
      let done = false;
      const settled = call.then(
        (value) => {
          done = true;
          return { value };
        },
        (error: unknown) => {
          done = true;
          return { error };
        },
      );
      for (let polls = 0; polls < 40 && !done; polls++) await advance(POLL);
      const result = (await settled) as { value: T } | { error: unknown };
      if ('error' in result) throw result.error;
      return result.value;
    },
    async close() {
      await Promise.all(engines.map((engine) => engine.shutdown()));
      await Promise.all(stores.map((store) => store.close()));
    },
  };
}
