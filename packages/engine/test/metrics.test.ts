// OpenTelemetry metrics on the meter `@reprise/engine`: after a known workload, the counters
// (runs started and closed by type and status, activity attempts and failures), the histograms
// (schedule-to-start, activity and run duration on the engine's clock, store append latency)
// and the residency gauges read what happened, once each.

import { metrics } from '@opentelemetry/api';
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import { defineActivity, defineWorkflow, InMemoryStore } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';

/** A reader the test collects from when it wants. */
class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const reader = new TestReader();
const provider = new MeterProvider({ readers: [reader] });
beforeAll(() => metrics.setGlobalMeterProvider(provider));
afterAll(async () => {
  await provider.shutdown();
  metrics.disable();
});

/** Counts the store's appends, to compare with the append latency histogram. */
class CountingStore extends InMemoryStore {
  appends = 0;
  override append(...args: Parameters<InMemoryStore['append']>): ReturnType<InMemoryStore['append']> {
    this.appends++;
    return super.append(...args);
  }
}

const flaky = defineActivity(
  'flaky',
  async (failures: number, actx) => {
    if (actx.attempt <= failures) throw new Error(`busy ${actx.attempt}`);
    return actx.attempt;
  },
  { retry: { initialInterval: '2s', maximumAttempts: 5 } },
);
const step = defineActivity('step', async (n: number) => n + 1);
const kid = defineWorkflow('kid', async (ctx, n: number) => ctx.activity(step, n));
const parent = defineWorkflow('parent', async (ctx, failures: number) => {
  const attempts = await ctx.activity(flaky, failures);
  return ctx.child(kid, attempts);
});
const broken = defineWorkflow('broken', async () => {
  throw new Error('out of stock');
});
const waiter = defineWorkflow('waiter', async (ctx) => ctx.waitForSignal<string>('go'));
const sleeper = defineWorkflow('sleeper', async (ctx) => ctx.waitForSignal<string>('go'));

/** Every metric of the engine's meter, by name, as collected now. */
async function collect(): Promise<Map<string, MetricData>> {
  const { resourceMetrics } = await reader.collect();
  const scope = resourceMetrics.scopeMetrics.find((scoped) => scoped.scope.name === '@reprise/engine');
  return new Map((scope?.metrics ?? []).map((metric) => [metric.descriptor.name, metric]));
}

/** A metric's points as `[attributes, value]`, in a stable order. */
function points(all: Map<string, MetricData>, name: string): [Record<string, unknown>, unknown][] {
  const metric = all.get(name);
  if (!metric) throw new Error(`no metric ${name}`);
  return (metric.dataPoints as DataPoint<unknown>[])
    .map((point): [Record<string, unknown>, unknown] => [
      Object.fromEntries(Object.entries(point.attributes).sort(([a], [b]) => a.localeCompare(b))),
      point.value,
    ])
    .sort((a, b) => JSON.stringify(a[0]).localeCompare(JSON.stringify(b[0])));
}

const histogram = (value: unknown) => {
  const { count, sum } = value as Histogram;
  return { count, sum };
};

describe('engine metrics', () => {
  it('count runs, attempts and failures, and time them, after a known workload', async () => {
    const store = new CountingStore();
    const env = await createTestEngine({
      workflows: [parent, kid, broken],
      activities: [flaky, step],
      store,
    });
    const handle = await env.engine.start(parent, 1, { workflowId: 'p-1' });
    await env.advance('5s');
    expect(await handle.result()).toBe(3);
    await expect((await env.engine.start(broken, null)).result()).rejects.toThrow('out of stock');
    await env.idle();
    const all = await collect();

    expect(points(all, 'reprise.runs.started')).toEqual([
      [{ 'reprise.workflow_type': 'broken' }, 1],
      [{ 'reprise.workflow_type': 'kid' }, 1],
      [{ 'reprise.workflow_type': 'parent' }, 1],
    ]);
    expect(points(all, 'reprise.runs.closed')).toEqual([
      [{ 'reprise.status': 'Completed', 'reprise.workflow_type': 'kid' }, 1],
      [{ 'reprise.status': 'Completed', 'reprise.workflow_type': 'parent' }, 1],
      [{ 'reprise.status': 'Failed', 'reprise.workflow_type': 'broken' }, 1],
    ]);
    expect(points(all, 'reprise.activity.attempts')).toEqual([
      [{ 'reprise.activity_type': 'flaky' }, 2],
      [{ 'reprise.activity_type': 'step' }, 1],
    ]);
    expect(points(all, 'reprise.activity.failures')).toEqual([
      [{ 'reprise.activity_type': 'flaky', 'reprise.outcome': 'retrying' }, 1],
    ]);
    // On the virtual clock: each attempt started when due, and took no time.
    expect(
      points(all, 'reprise.activity.schedule_to_start').map(([at, value]) => [at, histogram(value)]),
    ).toEqual([
      [{ 'reprise.activity_type': 'flaky' }, { count: 2, sum: 0 }],
      [{ 'reprise.activity_type': 'step' }, { count: 1, sum: 0 }],
    ]);
    expect(points(all, 'reprise.activity.duration').map(([at, value]) => [at, histogram(value)])).toEqual([
      [
        { 'reprise.activity_type': 'flaky', 'reprise.outcome': 'completed' },
        { count: 1, sum: 0 },
      ],
      [
        { 'reprise.activity_type': 'flaky', 'reprise.outcome': 'retrying' },
        { count: 1, sum: 0 },
      ],
      [
        { 'reprise.activity_type': 'step', 'reprise.outcome': 'completed' },
        { count: 1, sum: 0 },
      ],
    ]);
    // The parent waited 2 s for its retry; the others took no engine time.
    expect(points(all, 'reprise.run.duration').map(([at, value]) => [at, histogram(value)])).toEqual([
      [
        { 'reprise.status': 'Completed', 'reprise.workflow_type': 'kid' },
        { count: 1, sum: 0 },
      ],
      [
        { 'reprise.status': 'Completed', 'reprise.workflow_type': 'parent' },
        { count: 1, sum: 2 },
      ],
      [
        { 'reprise.status': 'Failed', 'reprise.workflow_type': 'broken' },
        { count: 1, sum: 0 },
      ],
    ]);
    // Every append the store took, timed once (wall time: only its count is known).
    const [appends] = points(all, 'reprise.store.append.duration');
    expect(histogram(appends?.[1]).count).toBe(store.appends);
    expect(store.appends).toBeGreaterThan(0);
    for (const name of [
      'reprise.run.duration',
      'reprise.activity.duration',
      'reprise.store.append.duration',
    ]) {
      expect(all.get(name)?.descriptor.unit).toBe('s');
    }
    await env.close();
  });

  it('gauge resident and hibernated runs by type', async () => {
    const awake = await createTestEngine({ workflows: [waiter] });
    await awake.engine.start(waiter, null, { workflowId: 'a-1' });
    await awake.engine.start(waiter, null, { workflowId: 'a-2' });
    await awake.idle();
    let all = await collect();
    expect(points(all, 'reprise.runs.resident')).toEqual([[{ 'reprise.workflow_type': 'waiter' }, 2]]);
    expect(all.get('reprise.runs.hibernated')?.dataPoints ?? []).toEqual([]);
    await awake.engine.getHandle('a-1').signal('go', 'now');
    await awake.idle();
    expect(points(await collect(), 'reprise.runs.resident')).toEqual([
      [{ 'reprise.workflow_type': 'waiter' }, 1],
    ]);
    await awake.close();

    // (The SDK keeps reporting the closed engine's last `waiter` value: another type here.)
    const sleepy = await createTestEngine({ workflows: [sleeper], hibernateAfter: 0 });
    await sleepy.engine.start(sleeper, null, { workflowId: 's-1' });
    await sleepy.idle();
    all = await collect();
    const ofSleeper = (name: string) =>
      points(all, name).filter(([at]) => at['reprise.workflow_type'] === 'sleeper');
    expect(ofSleeper('reprise.runs.hibernated')).toEqual([[{ 'reprise.workflow_type': 'sleeper' }, 1]]);
    expect(ofSleeper('reprise.runs.resident')).toEqual([]);
    await sleepy.close();
  });
});
