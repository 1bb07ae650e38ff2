import { type Duration, InMemoryStore, toMs } from '@reprise/core';
import { Engine, type EngineOptions, VirtualClock } from '@reprise/engine';

/** Options of `createTestEngine`: the engine's, with a virtual clock and an in-memory store by default. */
export type TestEngineOptions = Omit<EngineOptions, 'clock'> & {
  /** The virtual clock's starting time (epoch ms); 2026-01-01T00:00:00Z by default. */
  readonly startAt?: number;
  /** A clock of the test's own (then `startAt` is ignored); a new one by default. */
  readonly clock?: VirtualClock;
};

/** An engine on a virtual clock: time moves only when the test says so. */
export interface TestEngine {
  /** The engine, on `clock` and the given (or an in-memory) store. */
  readonly engine: Engine;
  /** The engine's clock; `advance` moves it. */
  readonly clock: VirtualClock;
  /**
   * Moves time forward, stopping at each timer due within the window and letting the engine
   * finish what the timer started before moving on. A month of sleeping takes milliseconds.
   */
  advance(duration: Duration): Promise<void>;
  /** Resolves once the engine has nothing in progress (timers aside). */
  idle(): Promise<void>;
  /** Shuts the engine down (which closes its store). */
  close(): Promise<void>;
}

/** Where a test engine's clock starts unless told otherwise: 2026-01-01T00:00:00.000Z. */
export const DEFAULT_TEST_START = 1_767_225_600_000;

/** An engine on a virtual clock and (unless a store is given) an in-memory store. */
export async function createTestEngine(options: TestEngineOptions): Promise<TestEngine> {
  const clock = options.clock ?? new VirtualClock(options.startAt ?? DEFAULT_TEST_START);
  const engine = await Engine.create({ ...options, store: options.store ?? new InMemoryStore(), clock });
  const idle = () => engine.idle();
  return {
    engine,
    clock,
    idle,
    async advance(duration: Duration) {
      const target = clock.now() + toMs(duration);
      await idle();
      for (;;) {
        const next = clock.nextTimerAt();
        if (next === undefined || next > target) break;
        await clock.advance(Math.max(0, next - clock.now()));
        await idle();
      }
      await clock.advance(target - clock.now());
      await idle();
    },
    close: () => engine.shutdown(),
  };
}
