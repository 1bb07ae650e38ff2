// Several engines on one SharedInMemoryStore and one virtual clock, for the tests of scale-out.
import {
  defineWorkflow,
  type OwnershipStore,
  type ShardFence,
  SharedInMemoryStore,
  type WorkflowEvent,
  type WorkflowStore,
} from '@reprise/core';
import { Engine, type EngineOptions, VirtualClock } from '@reprise/engine';

export const T0 = 1_767_225_600_000;
export const SHARDS = 8;
export const quiet = { warn: () => {} };

/**
 * Lets the engines on `clock` work, with time standing still, until `condition` holds: a test
 * waits for the event it needs, never for a count of host turns. These engines do no I/O, so the
 * event comes within a few turns or never; the wait gives up (failing the test) after `patience`.
 */
export async function waitFor(
  clock: VirtualClock,
  condition: () => boolean | Promise<boolean>,
  patience = 10_000,
): Promise<void> {
  for (let turn = 0; !(await condition()); turn++) {
    if (turn === patience)
      throw new Error(`waited ${patience} host turns (no time passing) for ${condition}`);
    await clock.advance(0);
  }
}

/** How many events of `type` a history holds. */
export const countOf = (history: readonly WorkflowEvent[], type: WorkflowEvent['type']): number =>
  history.filter((event) => event.type === type).length;

/** A run that waits for one `go` signal and returns what it carried. */
export const goWaiter = defineWorkflow('waiter', async (ctx) => {
  const value = await ctx.waitForSignal<string>('go');
  return `got ${value}`;
});

/** One engine's view of the shared store: its shutdown does not close it for the others; appends refused are kept. */
export function viewOf(
  store: SharedInMemoryStore,
  refused: { error: unknown; fence?: ShardFence }[] = [],
): WorkflowStore {
  return new Proxy(store, {
    get(target, key) {
      if (key === 'close') return async () => {};
      if (key === 'append') {
        return async (...args: Parameters<WorkflowStore['append']>) => {
          try {
            return await target.append(...args);
          } catch (error) {
            refused.push({ error, ...(args[2].fence ? { fence: args[2].fence } : {}) });
            throw error;
          }
        };
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as unknown as WorkflowStore;
}

/**
 * `store` whose shard claims (lease claims and renewals) are watched: `startedAt` holds the clock
 * time of each claim that reached it, `answered` counts those that returned. A claim waits for
 * `hold()`'s promise first when it gives one (a slow server).
 */
export function watchedClaims(
  store: WorkflowStore,
  clock: VirtualClock,
  hold: () => Promise<void> | undefined = () => undefined,
): { readonly store: WorkflowStore; readonly startedAt: number[]; answered(): number } {
  const startedAt: number[] = [];
  let answered = 0;
  const watched = new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (key !== 'claimShards') {
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      }
      return async (...args: Parameters<OwnershipStore['claimShards']>) => {
        startedAt.push(clock.now());
        await hold();
        const claimed = await (target as unknown as OwnershipStore).claimShards(...args);
        answered++;
        return claimed;
      };
    },
  });
  return { store: watched, startedAt, answered: () => answered };
}

/**
 * `store` whose `getSummary` of `workflowId` is held at a gate (a recovery that has read a run's
 * row and not yet acted on it): `reached` settles when a read of it arrives there, `open()` lets
 * it and every later one through. With `firstOnly`, only the first read of it waits.
 */
export function heldSummaryReads(
  store: WorkflowStore,
  workflowId: string,
  options: { readonly firstOnly?: boolean } = {},
): { readonly store: WorkflowStore; readonly reached: Promise<void>; open(): void } {
  let reach: () => void = () => {};
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let held = 0;
  const view = new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (key !== 'getSummary') {
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      }
      return async (id: string) => {
        const summary = await target.getSummary(id as never);
        if (id === workflowId && !(options.firstOnly && held > 0)) {
          held++;
          reach();
          await gate;
        }
        return summary;
      };
    },
  }) as WorkflowStore;
  return { store: view, reached, open };
}

/** Engines on one store; `advance` moves the shared clock timer by timer, letting every engine settle. */
export function cluster() {
  const clock = new VirtualClock(T0);
  const store = new SharedInMemoryStore({ shardCount: SHARDS, clock });
  const engines: Engine[] = [];
  const settle = async () => {
    for (let round = 0; round < 3; round++) await Promise.all(engines.map((engine) => engine.idle()));
  };
  return {
    clock,
    store,
    engines,
    async engine(options: Omit<EngineOptions, 'store'> & { store?: WorkflowStore }): Promise<Engine> {
      const engine = await Engine.create({ store: viewOf(store), clock, logger: quiet, ...options });
      engines.push(engine);
      return engine;
    },
    settle,
    async advance(ms: number, each?: () => void): Promise<void> {
      const target = clock.now() + ms;
      await settle();
      for (;;) {
        each?.();
        const next = clock.nextTimerAt();
        if (next === undefined || next > target) break;
        await clock.advance(Math.max(0, next - clock.now()));
        await settle();
      }
      await clock.advance(target - clock.now());
      await settle();
      each?.();
    },
    async close(): Promise<void> {
      await Promise.all(engines.map((engine) => engine.shutdown()));
    },
  };
}
