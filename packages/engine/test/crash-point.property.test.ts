// Property: restarting from any prefix of a run's history (a crash at any point) ends with the
// same outcome and the same recorded history as an uninterrupted run.
import {
  defineActivity,
  defineWorkflow,
  InMemoryStore,
  type JsonValue,
  type WorkflowEvent,
} from '@reprise/core';
import { type AttemptOutcome, activityOutcomeScriptArbitrary, createTestEngine } from '@reprise/testkit';
import fc from 'fast-check';

type Scripts = Record<'reserve' | 'charge' | 'ship', AttemptOutcome[]>;

function definitions(scripts: Scripts) {
  const scripted = (name: keyof Scripts) =>
    defineActivity(
      name,
      (input: JsonValue, actx) => {
        const outcome = scripts[name][actx.attempt - 1];
        if (!outcome || outcome.kind === 'success')
          return Promise.resolve({ [name]: input, by: outcome?.result ?? null });
        if (outcome.kind === 'failure')
          return Promise.reject(
            Object.assign(new Error(outcome.error.message), { name: outcome.error.name }),
          );
        return new Promise<never>(() => undefined); // hangs until its startToCloseTimeout
      },
      {
        startToCloseTimeout: '30s',
        retry: {
          initialInterval: '1s',
          backoffCoefficient: 2,
          maximumAttempts: 3,
          nonRetryableErrorTypes: ['PaymentDeclined'],
        },
      },
    );
  const activities = { reserve: scripted('reserve'), charge: scripted('charge'), ship: scripted('ship') };
  const order = defineWorkflow('order', async (ctx, sku: string) => {
    const reserved = await ctx.activity(activities.reserve, sku);
    await ctx.sleep('5m');
    try {
      const [charged, shipped] = await Promise.all([
        ctx.activity(activities.charge, sku),
        ctx.activity(activities.ship, sku),
      ]);
      return { reserved, charged, shipped, id: ctx.uuid() };
    } catch (error) {
      return { failed: (error as Error).message, at: ctx.now() };
    }
  });
  return { order, activities: Object.values(activities) };
}

/** The history without times and stacks, which depend on when and where the restart happened. */
const withoutTimes = (history: readonly WorkflowEvent[]) =>
  history.map(({ recordedAt: _recordedAt, ...event }) => {
    const copy: Record<string, unknown> = { ...event };
    delete copy.retryAt;
    delete copy.fireAt;
    if (copy.error) copy.error = { ...(copy.error as object), stack: undefined };
    if (copy.type === 'WorkflowCompleted') delete (copy.result as Record<string, unknown>)?.at;
    return copy;
  });

async function runToEnd(
  store: InMemoryStore,
  scripts: Scripts,
  startAt: number,
  start: boolean,
  hibernate = false,
) {
  const { order, activities } = definitions(scripts);
  const env = await createTestEngine({
    workflows: [order],
    activities,
    store,
    startAt,
    ...(hibernate ? { hibernateAfter: 0 } : {}),
  });
  if (start) await env.engine.start(order, 'sku-1', { workflowId: 'order-1' });
  const handle = env.engine.getHandle('order-1');
  for (let i = 0; i < 20 && (await handle.describe()).status === 'Running'; i++) await env.advance('10m');
  const outcome = await handle.result().then(
    (result) => ({ ok: result }),
    (error: Error) => ({ error: error.message }),
  );
  const history = await store.readHistory('order-1' as never);
  await env.close();
  return { outcome, history };
}

const scriptsArbitrary = fc.record({
  reserve: activityOutcomeScriptArbitrary(3),
  charge: activityOutcomeScriptArbitrary(3),
  ship: activityOutcomeScriptArbitrary(3),
});

// The resumed engine may also hibernate its run at every wait: replay after a wake, too, must
// record what the uninterrupted run did.
it('a crash at any point of the history changes neither the outcome nor what is recorded', async () => {
  await fc.assert(
    fc.asyncProperty(
      scriptsArbitrary,
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.boolean(),
      async (scripts, where, hibernate) => {
        const uninterrupted = await runToEnd(new InMemoryStore(), scripts, 1_767_225_600_000, true);
        const cut = Math.max(
          1,
          Math.min(uninterrupted.history.length - 1, Math.floor(where * uninterrupted.history.length)),
        );
        const prefix = uninterrupted.history.slice(0, cut);
        const crashed = new InMemoryStore();
        await crashed.append('order-1' as never, prefix, { expectedSeq: 0 });
        const resumed = await runToEnd(
          crashed,
          scripts,
          (prefix[prefix.length - 1] as WorkflowEvent).recordedAt,
          false,
          hibernate,
        );
        expect(withoutTimes(resumed.history)).toEqual(withoutTimes(uninterrupted.history));
        expect(JSON.stringify(resumed.outcome).replace(/"at":\d+/, '')).toEqual(
          JSON.stringify(uninterrupted.outcome).replace(/"at":\d+/, ''),
        );
        expect(
          resumed.history.filter(
            (event) => event.type.startsWith('Workflow') && event.type !== 'WorkflowStarted',
          ),
        ).toHaveLength(1);
      },
    ),
    { numRuns: 40 },
  );
});
