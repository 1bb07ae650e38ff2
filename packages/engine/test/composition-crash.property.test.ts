// Property: over random compositions — a parent with children, signals between them,
// continue-as-new chains, a cancellation — and random crash-and-restart points, every run ends
// with exactly one terminal, every signal is received exactly once, and the final results equal
// those of an uninterrupted run — also when the crashed side keeps one run in memory at a time,
// or hibernates runs at every wait.
import {
  defineActivity,
  defineWorkflow,
  InMemoryStore,
  type JsonValue,
  type WorkflowEvent,
  type WorkflowStore,
} from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';
import fc from 'fast-check';

interface ChildPlan {
  readonly steps: number;
  readonly signals: number;
  readonly continues: number;
}
interface Plan {
  readonly children: readonly ChildPlan[];
  readonly cancelChild: number | null;
}

const work = defineActivity('work', async (n: number) => n + 1);

const child = defineWorkflow(
  'child',
  async (ctx, input: { plan: ChildPlan; total: number; round: number }) => {
    let total = input.total;
    for (let i = 0; i < input.plan.steps; i++) total = (await ctx.activity(work, total)) as number;
    for (let i = 0; i < input.plan.signals; i++)
      total += ((await ctx.waitForSignal<number>('add')) as number) ?? 0;
    await ctx.sleep('1m');
    if (input.round < input.plan.continues) {
      return ctx.continueAsNew({ plan: { ...input.plan, signals: 0 }, total, round: input.round + 1 });
    }
    return total;
  },
);

const parent = defineWorkflow('parent', async (ctx, plan: Plan) => {
  const handles = await Promise.all(
    plan.children.map((childPlan, i) =>
      ctx.startChild(child, { plan: childPlan, total: i * 100, round: 0 }, { workflowId: `child-${i}` }),
    ),
  );
  for (const [i, childPlan] of plan.children.entries()) {
    for (let s = 0; s < childPlan.signals; s++) await ctx.signalWorkflow(`child-${i}`, 'add', s + 1);
  }
  if (plan.cancelChild !== null && plan.cancelChild < handles.length) {
    await ctx.sleep('10s');
  }
  const results: JsonValue[] = [];
  for (const handle of handles) {
    results.push(
      await handle.result().then(
        (value) => value as JsonValue,
        (error: Error) => `failed: ${error.message.split(':')[0]}`,
      ),
    );
  }
  return results;
});

const planArbitrary: fc.Arbitrary<Plan> = fc.record({
  children: fc.array(
    fc.record({
      steps: fc.integer({ min: 0, max: 2 }),
      signals: fc.integer({ min: 0, max: 2 }),
      continues: fc.integer({ min: 0, max: 2 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  cancelChild: fc.option(fc.integer({ min: 0, max: 2 })),
});

/** A store that can be "killed": every call after the kill fails, as if the process had died. */
function killable(store: InMemoryStore): { store: WorkflowStore; kill: () => void } {
  let dead = false;
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'close') return async () => undefined;
      return (...args: unknown[]) => {
        if (dead) throw new Error('process killed');
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy as unknown as WorkflowStore, kill: () => (dead = true) };
}

const START = 1_767_225_600_000;
const quiet = { warn: () => undefined };

/** How the crashed side keeps runs in memory: all of them, one at a time, or hibernating at every wait. */
type Residency = { readonly maxResident?: number; readonly hibernateAfter?: number };

/** Virtual time moves in steps of this; the test's own actions happen at fixed steps. */
const STEP = '20s';
const CANCEL_AT_STEP = 1;
const LAST_STEP = 40;

/**
 * Drives the plan step by step; at each step in `crashAt` the engine is killed and a new one
 * recovers from the store. The driver's cancel is retried until acknowledged, as a client would.
 */
async function run(plan: Plan, crashAt: ReadonlySet<number>, residency: Residency = {}) {
  const data = new InMemoryStore();
  let incarnation = killable(data);
  let env = await createTestEngine({
    workflows: [parent, child],
    activities: [work],
    store: incarnation.store,
    startAt: START,
    logger: quiet,
    ...residency,
  });
  await env.engine.start(parent, plan, { workflowId: 'parent' });
  for (let step = 1; step <= LAST_STEP; step++) {
    await env.advance(STEP);
    if (step === CANCEL_AT_STEP && plan.cancelChild !== null) {
      await env.engine
        .getHandle(`child-${plan.cancelChild}`)
        .cancel('plan')
        .catch(() => undefined);
      await env.idle();
    }
    if (crashAt.has(step)) {
      const now = env.clock.now();
      incarnation.kill();
      incarnation = killable(data);
      env = await createTestEngine({
        workflows: [parent, child],
        activities: [work],
        store: incarnation.store,
        startAt: now,
        logger: quiet,
        ...residency,
      });
      await env.idle();
    }
    if ((await data.getSummary('parent' as never))?.status !== 'Running') break;
  }
  await env.close();
  return data;
}

async function histories(store: InMemoryStore): Promise<Map<string, WorkflowEvent[]>> {
  const ids = ['parent', 'child-0', 'child-1', 'child-2'];
  const all = new Map<string, WorkflowEvent[]>();
  for (const id of ids) {
    const history = await store.readHistory(id as never);
    if (history.length > 0) all.set(id, history);
  }
  return all;
}

it('every run ends with one terminal, every signal arrives once, results equal an uninterrupted run', async () => {
  await fc.assert(
    fc.asyncProperty(
      planArbitrary,
      fc.array(fc.integer({ min: 1, max: 8 }), { maxLength: 3 }),
      fc.constantFrom<Residency>({}, { maxResident: 1 }, { hibernateAfter: 0 }),
      async (plan, crashes, residency) => {
        const reference = await histories(await run(plan, new Set()));
        const crashed = await histories(await run(plan, new Set(crashes), residency));
        const parentResult = (h: WorkflowEvent[] | undefined) =>
          h?.find((event) => event.type === 'WorkflowCompleted');
        expect(parentResult(crashed.get('parent'))).toMatchObject({
          result: (parentResult(reference.get('parent')) as { result: JsonValue }).result,
        });
        for (const [id, history] of crashed) {
          const starts = history.filter((event) => event.type === 'WorkflowStarted');
          const terminals = history.filter((event) =>
            [
              'WorkflowCompleted',
              'WorkflowFailed',
              'WorkflowCancelled',
              'WorkflowTimedOut',
              'WorkflowContinuedAsNew',
            ].includes(event.type),
          );
          expect({ id, runs: starts.length, terminals: terminals.length }).toEqual({
            id,
            runs: starts.length,
            terminals: starts.length,
          });
          const signals = history.filter((event) => event.type === 'SignalReceived');
          const referenceSignals = (reference.get(id) ?? []).filter(
            (event) => event.type === 'SignalReceived',
          );
          expect(signals.length).toBe(referenceSignals.length);
        }
      },
    ),
    { numRuns: 25 },
  );
});
