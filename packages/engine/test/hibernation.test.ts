import {
  DurationError,
  defineActivity,
  defineWorkflow,
  type InMemoryStore,
  type WorkflowEvent,
} from '@reprise/core';
import { Engine } from '@reprise/engine';
import { createTestEngine, type TestEngine } from '@reprise/testkit';
import fc from 'fast-check';
import { gatedWorkflow, inbox, reopenable } from './helpers.js';

const napper = defineWorkflow('napper', async (ctx, naps: number) => {
  const woke: number[] = [];
  for (let i = 0; i < naps; i++) {
    await ctx.sleep('1h');
    woke.push(ctx.now());
  }
  return woke;
});

/** Sleeps, waits for signals, runs an activity: a step script drawn by the property below. */
type Step = { kind: 'sleep'; minutes: number } | { kind: 'signal' } | { kind: 'activity'; value: number };
const echo = defineActivity('echo', async (value: number) => value * 2);
const scripted = defineWorkflow('scripted', async (ctx, steps: Step[]) => {
  const seen: unknown[] = [];
  for (const step of steps) {
    if (step.kind === 'sleep') await ctx.sleep(step.minutes * 60_000);
    else if (step.kind === 'signal') seen.push(await ctx.waitForSignal('go'));
    else seen.push(await ctx.activity(echo, step.value));
  }
  return seen;
});

const residencyOf = async (env: TestEngine, id: string) =>
  (await env.engine.getHandle(id).describe()).residency;

describe('hibernation (hibernateAfter)', () => {
  it('a run waiting on a timer hibernates at once with 0, and its timer wakes it by replay', async () => {
    const env = await createTestEngine({ workflows: [napper], hibernateAfter: 0 });
    const handle = await env.engine.start(napper, 2, { workflowId: 'nap' });
    await env.idle();
    const started = env.clock.now();
    const described = await handle.describe();
    expect(described.residency).toBe('hibernated');
    // Its timer, as its history shows it: the interpreter is not in memory.
    expect(described.pendingTimers.map((timer) => timer.fireAt)).toEqual([started + 3_600_000]);
    await env.advance('1h');
    expect(await residencyOf(env, 'nap')).toBe('hibernated');
    await env.advance('1h');
    expect(await handle.result()).toEqual([started + 3_600_000, started + 7_200_000]);
    const history = await handle.history();
    expect(history.filter((event) => event.type === 'TimerFired')).toHaveLength(2);
    expect(history.filter((event) => event.type === 'WorkflowCompleted')).toHaveLength(1);
    await env.close();
  });

  it('hibernates only after the run has waited hibernateAfter, on the engine clock', async () => {
    const env = await createTestEngine({ workflows: [inbox], hibernateAfter: '1m' });
    await env.engine.start(inbox, null, { workflowId: 'box' });
    await env.idle();
    await env.advance('50s');
    expect(await residencyOf(env, 'box')).toBe('resident');
    await env.engine.getHandle('box').signal('message', 'one');
    await env.advance('50s');
    // The signal restarted the wait: 50 s after it, still awake.
    expect(await residencyOf(env, 'box')).toBe('resident');
    await env.advance('1m');
    expect(await residencyOf(env, 'box')).toBe('hibernated');
    await env.close();
  });

  it('a signal and a query wake a hibernated run; it answers from replayed state', async () => {
    const env = await createTestEngine({ workflows: [inbox], hibernateAfter: 0 });
    const handle = await env.engine.start(inbox, null, { workflowId: 'box' });
    await handle.signal('message', 'a');
    await env.idle();
    expect(await residencyOf(env, 'box')).toBe('hibernated');
    expect(await handle.query('received')).toEqual(['a']);
    await handle.signal('message', 'b');
    await env.idle();
    expect(await residencyOf(env, 'box')).toBe('hibernated');
    await handle.signal('message', 'stop');
    expect(await handle.result()).toEqual(['a', 'b']);
    const received = (await handle.history()).filter((event) => event.type === 'SignalReceived');
    expect(received).toHaveLength(3);
    await env.close();
  });

  it('a run with an activity attempt running does not hibernate', async () => {
    const { gate, gated, release } = gatedWorkflow();
    const env = await createTestEngine({ workflows: [gated], activities: [gate], hibernateAfter: '1s' });
    const handle = await env.engine.start(gated, null, { workflowId: 'g' });
    await env.clock.advance(10_000);
    expect(await residencyOf(env, 'g')).toBe('resident');
    release();
    expect(await handle.result()).toBe('opened');
    await env.close();
  });

  it('a run whose retried attempt is running does not hibernate either', async () => {
    let release: (() => void) | undefined;
    const second = defineActivity(
      'second',
      (_: null, actx) =>
        actx.attempt === 1
          ? Promise.reject(new Error('first attempt fails'))
          : new Promise<string>((resolve) => {
              release = () => resolve('second attempt');
            }),
      { retry: { initialInterval: '1s' } },
    );
    const retried = defineWorkflow('retried', async (ctx) => ctx.activity(second, null));
    // The retry starts a second after the run began to wait, long before it would hibernate.
    const env = await createTestEngine({ workflows: [retried], activities: [second], hibernateAfter: '10s' });
    const handle = await env.engine.start(retried, null, { workflowId: 'r' });
    await env.advance('1s');
    expect(release).toBeDefined();
    await env.clock.advance(60_000);
    expect(await residencyOf(env, 'r')).toBe('resident');
    release?.();
    expect(await handle.result()).toBe('second attempt');
    await env.close();
  });

  it('retries run on time and each attempt runs once, whether the run hibernates between them or not', async () => {
    // Two activities in parallel, each failing or hanging into its timeout before succeeding:
    // the run waits on retries while another attempt runs, and attempts end while it hibernates.
    const invocations: string[] = [];
    const flaky = (name: string, script: ('fail' | 'hang')[]) =>
      defineActivity(
        name,
        (_: null, actx) => {
          invocations.push(`${name}#${actx.attempt}`);
          const planned = script[actx.attempt - 1];
          if (planned === 'fail') return Promise.reject(new Error('flaky'));
          if (planned === 'hang') return new Promise<never>(() => undefined);
          return Promise.resolve(actx.attempt);
        },
        {
          startToCloseTimeout: '30s',
          retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 3 },
        },
      );
    const charge = flaky('charge', ['hang', 'hang']);
    const ship = flaky('ship', ['fail', 'hang']);
    const both = defineWorkflow('both', async (ctx) => {
      await ctx.sleep('5m');
      return Promise.all([ctx.activity(charge, null), ctx.activity(ship, null)]);
    });
    const timeline = async (hibernateAfter: number | undefined) => {
      invocations.length = 0;
      const env = await createTestEngine({
        workflows: [both],
        activities: [charge, ship],
        ...(hibernateAfter === undefined ? {} : { hibernateAfter }),
      });
      const handle = await env.engine.start(both, null, { workflowId: 'both' });
      const t0 = env.clock.now();
      for (let i = 0; i < 3 && (await handle.describe()).status === 'Running'; i++) await env.advance('10m');
      const events = (await handle.history()).map((event) => {
        const attempt = 'attempt' in event ? event.attempt : '';
        return `${event.type}${attempt} +${(event.recordedAt - t0) / 1000}s`;
      });
      const result = await handle.result();
      await env.close();
      return { events, result, invocations: [...invocations].sort() };
    };
    const awake = await timeline(undefined);
    expect(awake.invocations).toEqual(['charge#1', 'charge#2', 'charge#3', 'ship#1', 'ship#2', 'ship#3']);
    expect(awake.events).toContain('ActivityCompleted3 +333s');
    expect(await timeline(0)).toEqual(awake);
  });

  it('refuses a hibernateAfter that is not a duration, naming it', async () => {
    await expect(Engine.create({ workflows: [inbox], hibernateAfter: '5 parsecs' as never })).rejects.toThrow(
      DurationError,
    );
    await expect(Engine.create({ workflows: [inbox], hibernateAfter: -1 })).rejects.toThrow(/-1/);
  });

  it('hibernating at every wait records the same history and result as never hibernating', async () => {
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('sleep' as const), minutes: fc.integer({ min: 1, max: 90 }) }),
      fc.record({ kind: fc.constant('signal' as const) }),
      fc.record({ kind: fc.constant('activity' as const), value: fc.integer({ min: -5, max: 5 }) }),
    );
    // Run ids are random, and activity ids are made from them.
    const shape = (history: WorkflowEvent[]) => {
      const start = history[0];
      const runId = start?.type === 'WorkflowStarted' ? start.runId : 'none';
      return JSON.parse(JSON.stringify(history).replaceAll(runId, 'RUN')) as unknown;
    };
    const runScript = async (steps: Step[], hibernateAfter: number | undefined) => {
      const env = await createTestEngine({
        workflows: [scripted],
        activities: [echo],
        ...(hibernateAfter === undefined ? {} : { hibernateAfter }),
      });
      const handle = await env.engine.start(scripted, steps, { workflowId: 'script' });
      for (const [i, current] of steps.entries()) {
        await env.idle();
        if (current.kind === 'signal') await handle.signal('go', i);
        else if (current.kind === 'sleep') await env.advance(current.minutes * 60_000);
      }
      const result = await handle.result();
      const history = shape(await handle.history());
      await env.close();
      return { result, history };
    };
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 8 }), async (steps) => {
        const awake = await runScript(steps, undefined);
        const hibernating = await runScript(steps, 0);
        expect(hibernating).toEqual(awake);
      }),
      { numRuns: 40 },
    );
  });

  describe('a hibernated run meets everything an awake one does', () => {
    const cleanups: string[] = [];
    const refund = defineActivity('refund', async (order: string) => {
      cleanups.push(order);
      return 'refunded';
    });
    const guarded = defineWorkflow('guarded', async (ctx) => {
      try {
        await ctx.sleep('1d');
        return 'slept';
      } catch (error) {
        await ctx.nonCancellable((safe) => safe.activity(refund, ctx.workflowId));
        throw error;
      }
    });
    const countdown = defineWorkflow('countdown', async (ctx, n: number) => {
      await ctx.sleep('1m');
      return n === 0 ? 'liftoff' : ctx.continueAsNew(n - 1);
    });
    const hibernating = (store?: InMemoryStore) =>
      createTestEngine({
        workflows: [guarded, countdown],
        activities: [refund],
        hibernateAfter: 0,
        ...(store ? { store } : {}),
      });

    it('cancel wakes it, the code cleans up, and WorkflowCancelled is recorded', async () => {
      const env = await hibernating();
      const handle = await env.engine.start(guarded, null, { workflowId: 'to-cancel' });
      await env.idle();
      expect(await residencyOf(env, 'to-cancel')).toBe('hibernated');
      expect(await handle.cancel('changed mind')).toEqual({ status: 'Running' });
      await expect(handle.result()).rejects.toMatchObject({ code: 'workflow_cancelled' });
      expect(cleanups).toContain('to-cancel');
      await env.close();
    });

    it('terminate and an execution timeout close it without waking its code', async () => {
      const env = await hibernating();
      const terminated = await env.engine.start(guarded, null, { workflowId: 'to-terminate' });
      const timedOut = await env.engine.start(guarded, null, {
        workflowId: 'to-time-out',
        executionTimeout: '1h',
      });
      await env.idle();
      expect(await env.engine.terminate('to-terminate', 'ops')).toEqual({ status: 'Running' });
      await expect(terminated.result()).rejects.toMatchObject({ code: 'workflow_terminated' });
      await env.advance('1h');
      await expect(timedOut.result()).rejects.toMatchObject({ code: 'workflow_timed_out' });
      expect(cleanups).not.toContain('to-terminate');
      expect(cleanups).not.toContain('to-time-out');
      for (const handle of [terminated, timedOut]) {
        const terminals = (await handle.history()).filter(
          (event) => event.type === 'WorkflowTerminated' || event.type === 'WorkflowTimedOut',
        );
        expect(terminals).toHaveLength(1);
      }
      await env.close();
    });

    it('continues as new from a wake, hibernates again in each new run, and ends', async () => {
      const env = await hibernating();
      const handle = await env.engine.start(countdown, 3, { workflowId: 'countdown' });
      for (let i = 0; i < 4; i++) {
        await env.idle();
        expect(await residencyOf(env, 'countdown')).toBe('hibernated');
        await env.advance('1m');
      }
      expect(await handle.result()).toBe('liftoff');
      const starts = (await handle.history()).filter((event) => event.type === 'WorkflowStarted');
      expect(starts).toHaveLength(4);
      await env.close();
    });

    it('after a restart, a run recovered from the store waits out of memory and finishes', async () => {
      const { store, open } = reopenable();
      const first = await hibernating(open() as InMemoryStore);
      await first.engine.start(countdown, 0, { workflowId: 'across' });
      await first.idle();
      const at = first.clock.now();
      await first.close();
      const second = await createTestEngine({
        workflows: [guarded, countdown],
        activities: [refund],
        hibernateAfter: 0,
        store: open(),
        startAt: at,
      });
      await second.idle();
      // Recovery does not replay a run that only waits: it waits suspended, with no actor at all.
      expect(await residencyOf(second, 'across')).toBe('suspended');
      await second.advance('1m');
      expect(await second.engine.getHandle('across').result()).toBe('liftoff');
      expect(
        (await store.readHistory('across' as never)).filter((event) => event.type === 'TimerFired'),
      ).toHaveLength(1);
      await second.close();
    });
  });
});
