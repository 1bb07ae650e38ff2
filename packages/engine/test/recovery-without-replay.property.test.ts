// Property: recovery that leaves runs which only wait unreplayed (their row's backlog says so)
// records exactly what a recovery that replays every open run records. Each case runs a parent
// with a child, signals, timers and retried activities, "crashes" after any append (the state a
// killed process leaves: appends are atomic), and resumes the store twice, once as it is and once
// with every row's backlog hidden (a row without one is replayed at start), driving both alike.
import {
  defineActivity,
  defineWorkflow,
  InMemoryStore,
  type JsonValue,
  type WorkflowEvent,
  type WorkflowId,
  type WorkflowStore,
} from '@reprise/core';
import { type AttemptOutcome, activityOutcomeScriptArbitrary, createTestEngine } from '@reprise/testkit';
import fc from 'fast-check';

type Scripts = Record<'reserve' | 'charge' | 'ship', AttemptOutcome[]>;

const START_AT = 1_767_225_600_000;
const ORDER = 'order-1' as WorkflowId;

function definitions(scripts: Scripts) {
  const scripted = (name: keyof Scripts) =>
    defineActivity(
      name,
      (input: JsonValue, actx) => {
        const outcome = scripts[name][actx.attempt - 1];
        if (!outcome || outcome.kind === 'success') return Promise.resolve({ [name]: input });
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
          nonRetryableErrorTypes: ['Declined'],
        },
      },
    );
  const reserve = scripted('reserve');
  const charge = scripted('charge');
  const ship = scripted('ship');
  const pack = defineWorkflow('pack', async (ctx, sku: string) => {
    await ctx.sleep('2m');
    const label = await ctx.waitForSignal<string>('label', { timeout: '20m' });
    return { shipped: await ctx.activity(ship, sku), label: label ?? null };
  });
  const order = defineWorkflow('order', async (ctx, sku: string) => {
    const approved = await ctx.waitForSignal<boolean>('approve');
    try {
      const reserved = await ctx.activity(reserve, sku);
      await ctx.sleep('5m');
      const note = await ctx.waitForSignal<string>('note', { timeout: '30m' });
      const packed = await ctx.child(pack, sku, { workflowId: 'pack-1' });
      const [charged] = await Promise.all([ctx.activity(charge, sku), ctx.sleep('1m')]);
      return { approved, reserved, note: note ?? null, packed, charged, id: ctx.uuid() };
    } catch (error) {
      return { approved, failed: (error as Error).message };
    }
  });
  return { workflows: [order, pack], activities: [reserve, charge, ship] };
}

/** Records every append (workflow and events, in commit order), to replay a crash after any of them. */
function recording(store: InMemoryStore) {
  const appends: { workflowId: WorkflowId; events: readonly WorkflowEvent[] }[] = [];
  const wrapped = new Proxy(store, {
    get(target, property) {
      if (property === 'append') {
        return async (
          workflowId: WorkflowId,
          events: readonly WorkflowEvent[],
          options: { expectedSeq: number },
        ) => {
          const result = await target.append(workflowId, events, options);
          appends.push({ workflowId, events });
          return result;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: wrapped as WorkflowStore, appends };
}

/** The store with every row's backlog hidden: recovery then replays every open run. */
function withoutBacklogs(store: InMemoryStore): WorkflowStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'getSummary') {
        return async (workflowId: WorkflowId) => {
          const summary = await target.getSummary(workflowId);
          if (!summary) return summary;
          const { backlog: _, ...rest } = summary;
          return rest;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as WorkflowStore;
}

/**
 * The histories and the outcome as JSON with run ids (fresh random ones at every start) named by first appearance
 * and without error stacks (which name the line of the call that drove the clock).
 */
function normalized(histories: readonly WorkflowEvent[][], outcome: unknown): string {
  let text = JSON.stringify({ histories, outcome }).replace(/,"stack":"(?:[^"\\]|\\.)*"/g, '');
  const runIds = histories.flat().flatMap((event) => (event.type === 'WorkflowStarted' ? [event.runId] : []));
  runIds.forEach((runId, index) => {
    text = text.replaceAll(runId, `run-${index}`);
  });
  return text;
}

/** Drives an engine on `store`: the same signals at the same steps, the clock in 10-minute steps. */
async function drive(
  store: WorkflowStore,
  scripts: Scripts,
  startAt: number,
  start: boolean,
  noteAt: number,
) {
  const env = await createTestEngine({ ...definitions(scripts), store, startAt, buildId: 'b1' });
  if (start) await env.engine.start('order', 'sku-1', { workflowId: ORDER });
  const order = env.engine.getHandle(ORDER);
  // Sent once: a signal to a run not in memory wakes it (a replay), which would hide a recovery
  // that left out something the run needs without one, such as a timer.
  const signal = async (workflowId: string, name: string, payload: JsonValue) => {
    const requestId = `${workflowId}/${name}`;
    const history = await store.readHistory(workflowId as WorkflowId);
    if (history.some((event) => event.type === 'SignalReceived' && event.requestId === requestId)) return;
    if ((await env.engine.list({ status: 'Running' })).items.some((item) => item.workflowId === workflowId)) {
      await env.engine.getHandle(workflowId).signal(name, payload, { requestId });
    }
  };
  for (let step = 0; step < 24 && (await order.describe()).status === 'Running'; step++) {
    await signal(ORDER, 'approve', true);
    if (step === noteAt) await signal(ORDER, 'note', 'fragile');
    if (step === noteAt + 1) await signal('pack-1', 'label', 'L-1');
    await env.advance('10m');
  }
  const outcome = await order.result().then(
    (result) => ({ ok: result }),
    (error: Error) => ({ error: error.message }),
  );
  const histories = [await store.readHistory(ORDER), await store.readHistory('pack-1' as WorkflowId)];
  await env.close();
  const terminals = (histories[0] as WorkflowEvent[]).filter(
    (event) =>
      event.type.startsWith('Workflow') &&
      !['WorkflowStarted', 'WorkflowCancelRequested'].includes(event.type),
  ).length;
  return { recorded: normalized(histories, outcome), terminals };
}

const scriptsArbitrary = fc.record({
  reserve: activityOutcomeScriptArbitrary(3),
  charge: activityOutcomeScriptArbitrary(3),
  ship: activityOutcomeScriptArbitrary(3),
});

it('recovery without replay of waiting runs records what a recovery replaying every run records', async () => {
  await fc.assert(
    fc.asyncProperty(
      scriptsArbitrary,
      fc.nat(),
      fc.integer({ min: 0, max: 6 }),
      async (scripts, where, noteAt) => {
        const { store: recorded, appends } = recording(new InMemoryStore());
        await drive(recorded, scripts, START_AT, true, noteAt);
        const cut = 1 + (where % appends.length);
        const stores = [new InMemoryStore(), new InMemoryStore()] as const;
        for (const store of stores) {
          for (const { workflowId, events } of appends.slice(0, cut)) {
            await store.append(workflowId, events, { expectedSeq: (events[0] as WorkflowEvent).seq - 1 });
          }
        }
        const resumeAt = Math.max(
          ...appends.slice(0, cut).flatMap(({ events }) => events.map((event) => event.recordedAt)),
        );
        const shortcut = await drive(stores[0], scripts, resumeAt, false, noteAt);
        const everyRun = await drive(withoutBacklogs(stores[1]), scripts, resumeAt, false, noteAt);
        expect(shortcut).toEqual(everyRun);
        expect(shortcut.terminals).toBe(1);
      },
    ),
    { numRuns: 40 },
  );
}, 120_000);
