// OpenTelemetry: a start is a span, each run segment a span named after its workflow type under
// the trace context its WorkflowStarted recorded, with the run's ids, its outcome and an error
// status on failure; activity attempts and child runs nest under their run's span; a run
// resumed by another engine continues the same trace with one new span, and no attempt or
// replayed step is emitted twice.

import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import {
  defineActivity,
  defineWorkflow,
  type EventOf,
  InMemoryStore,
  readExportedHistory,
  toExportedHistory,
  type WorkflowEvent,
} from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';
import { reopenable } from './helpers.js';
import { useInMemoryTracing } from './in-memory-tracing.js';

const { exporter } = useInMemoryTracing();

const flaky = defineActivity(
  'flaky',
  async (failures: number, actx) => {
    // The activity's own calls join the trace: a span it starts nests under its attempt.
    trace.getTracer('app').startActiveSpan('inside flaky', (span) => span.end());
    if (actx.attempt <= failures) throw new Error(`busy ${actx.attempt}`);
    return actx.attempt;
  },
  { retry: { initialInterval: '1s', maximumAttempts: 5 } },
);

const step = defineActivity('step', async (n: number) => n + 1);

const kid = defineWorkflow('kid', async (ctx, n: number) => ctx.activity(step, n));

const parent = defineWorkflow('parent', async (ctx, failures: number) => {
  const attempts = await ctx.activity(flaky, failures);
  const fromKid = await ctx.child(kid, attempts, { workflowId: 'kid-1' });
  return { attempts, fromKid };
});

const broken = defineWorkflow('broken', async () => {
  throw Object.assign(new Error('out of stock'), { name: 'OutOfStock' });
});

const waiter = defineWorkflow('waiter', async (ctx) => {
  await ctx.activity(step, 1);
  const word = await ctx.waitForSignal<string>('go');
  await ctx.activity(step, 2);
  return word;
});

const looper = defineWorkflow('looper', async (ctx, round: number): Promise<number> => {
  await ctx.activity(step, round);
  if (round < 2) return ctx.continueAsNew(round + 1);
  return round;
});

const finished = () => exporter.getFinishedSpans();
const named = (name: string) => finished().filter((span) => span.name === name);
const one = (name: string): ReadableSpan => {
  const spans = named(name);
  expect(spans.map((span) => span.name)).toEqual([name]);
  return spans[0] as ReadableSpan;
};
const parentId = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const spanId = (span: ReadableSpan) => span.spanContext().spanId;
const started = (history: readonly WorkflowEvent[]) =>
  history.filter((event): event is EventOf<'WorkflowStarted'> => event.type === 'WorkflowStarted');

describe('run segment spans', () => {
  it('nest a run, its retried attempts and its child under the start, in one trace', async () => {
    const env = await createTestEngine({ workflows: [parent, kid], activities: [flaky, step] });
    // The app's own span around the start: the run's trace is the app's.
    const handle = await trace
      .getTracer('app')
      .startActiveSpan('request', async (request) =>
        env.engine.start(parent, 1, { workflowId: 'p-1' }).finally(() => request.end()),
      );
    await env.advance('5s');
    expect(await handle.result()).toEqual({ attempts: 2, fromKid: 3 });
    await env.idle();

    const request = one('request');
    const start = one('start parent');
    const run = one('workflow parent');
    const child = one('workflow kid');
    const attempts = named('activity flaky');
    const kidStep = one('activity step');
    expect(new Set(finished().map((span) => span.spanContext().traceId))).toEqual(
      new Set([request.spanContext().traceId]),
    );
    expect(parentId(start)).toBe(spanId(request));
    expect(parentId(run)).toBe(spanId(start));
    expect(attempts.map((span) => [span.attributes.attempt, parentId(span), span.status.code])).toEqual([
      [1, spanId(run), SpanStatusCode.ERROR],
      [2, spanId(run), SpanStatusCode.UNSET],
    ]);
    expect(attempts[0]?.status.message).toBe('Error: busy 1');
    expect(named('inside flaky').map(parentId)).toEqual(attempts.map(spanId));
    expect(parentId(child)).toBe(spanId(run));
    expect(parentId(kidStep)).toBe(spanId(child));
    expect(run.attributes).toMatchObject({
      'reprise.workflow_id': 'p-1',
      'reprise.run_id': (await handle.describe()).runId,
      'reprise.workflow_type': 'parent',
      'reprise.outcome': 'Completed',
      'reprise.resumed': false,
    });
    expect(run.status.code).toBe(SpanStatusCode.UNSET);
    expect(child.attributes).toMatchObject({
      'reprise.parent_workflow_id': 'p-1',
      'reprise.outcome': 'Completed',
    });

    // What the histories recorded: the start's context for the run, the run's for its child.
    const [runStarted] = started(await handle.history());
    const [kidStarted] = started(await env.engine.getHandle('kid-1').history());
    expect(runStarted?.traceContext?.traceparent).toBe(
      `00-${start.spanContext().traceId}-${spanId(start)}-01`,
    );
    expect(kidStarted?.traceContext?.traceparent).toBe(`00-${run.spanContext().traceId}-${spanId(run)}-01`);
    // An exported history keeps it, and reads back with it.
    const exported = JSON.parse(JSON.stringify(toExportedHistory(await handle.history())));
    expect(started(readExportedHistory(exported).events)[0]?.traceContext).toEqual(runStarted?.traceContext);
    await env.close();
  });

  it('of a continue-as-new successor stay in the trace its first run recorded', async () => {
    const env = await createTestEngine({ workflows: [looper], activities: [step] });
    const handle = await env.engine.start(looper, 1, { workflowId: 'l-1' });
    expect(await handle.result()).toBe(2);
    await env.idle();
    const start = one('start looper');
    const runs = named('workflow looper');
    expect(runs.map((span) => [span.attributes['reprise.outcome'], parentId(span)])).toEqual([
      ['ContinuedAsNew', spanId(start)],
      ['Completed', spanId(start)],
    ]);
    expect(runs[1]?.attributes['reprise.parent_run_id']).toBe(runs[0]?.attributes['reprise.run_id']);
    expect(named('activity step').map(parentId)).toEqual(runs.map(spanId));
    expect(new Set(finished().map((span) => span.spanContext().traceId)).size).toBe(1);
    await env.close();
  });

  it('of a reset run stay in the trace of the run it copies', async () => {
    const env = await createTestEngine({ workflows: [waiter], activities: [step] });
    const handle = await env.engine.start(waiter, null, { workflowId: 'r-1' });
    await env.idle();
    await handle.reset({ toLastActivity: true, reason: 'try again' });
    await handle.signal('go', 'again');
    expect(await handle.result()).toBe('again');
    await env.idle();
    const start = one('start waiter');
    const runs = named('workflow waiter');
    expect(runs.map((span) => [span.attributes['reprise.outcome'], parentId(span)])).toEqual([
      ['Terminated', spanId(start)],
      ['Completed', spanId(start)],
    ]);
    expect(runs[0]?.status.code).toBe(SpanStatusCode.ERROR);
    await env.close();
  });

  it('end with an error status when the run fails', async () => {
    const env = await createTestEngine({ workflows: [broken] });
    const handle = await env.engine.start(broken, null, { workflowId: 'b-1' });
    await expect(handle.result()).rejects.toThrow('out of stock');
    await env.idle();
    const run = one('workflow broken');
    expect(run.status).toEqual({ code: SpanStatusCode.ERROR, message: 'OutOfStock: out of stock' });
    expect(run.attributes['reprise.outcome']).toBe('Failed');
    await env.close();
  });

  it('are one per run in a process, its attempts under it, however often the run is evicted', async () => {
    const env = await createTestEngine({ workflows: [waiter], activities: [step], maxResident: 1 });
    await env.engine.start(waiter, null, { workflowId: 'e-1' });
    await env.idle();
    // e-2's start evicts e-1; e-1's signal brings it back by replay, which evicts e-2.
    await env.engine.start(waiter, null, { workflowId: 'e-2' });
    await env.idle();
    expect((await env.engine.getHandle('e-1').describe()).residency).toBe('suspended');
    for (const id of ['e-1', 'e-2']) await env.engine.getHandle(id).signal('go', id);
    for (const id of ['e-1', 'e-2']) expect(await env.engine.getHandle(id).result()).toBe(id);
    await env.idle();
    const runs = named('workflow waiter');
    expect(runs.map((span) => span.attributes['reprise.workflow_id']).sort()).toEqual(['e-1', 'e-2']);
    for (const run of runs) {
      const id = run.attributes['reprise.workflow_id'];
      const steps = named('activity step').filter((span) => span.attributes['reprise.workflow_id'] === id);
      expect(steps.map((span) => [span.attributes.attempt, parentId(span)])).toEqual([
        [1, spanId(run)],
        [1, spanId(run)],
      ]);
    }
    await env.close();
  });

  it('are one per segment: hibernation keeps it; another engine resumes the trace with one new span', async () => {
    const data = reopenable(new InMemoryStore());
    const before = await createTestEngine({
      workflows: [waiter],
      activities: [step],
      store: data.open(),
      hibernateAfter: 0,
    });
    const handle = await before.engine.start(waiter, null, { workflowId: 'w-1' });
    await before.idle();
    expect((await handle.describe()).residency).toBe('hibernated');
    const start = one('start waiter');
    // Hibernated: its segment is open, no span ended for it.
    expect(named('workflow waiter')).toEqual([]);
    await before.close();
    // The engine's shutdown ends the open segment's span.
    const first = one('workflow waiter');
    expect(first.attributes['reprise.outcome']).toBe('shutdown');
    const [firstStep] = named('activity step');
    expect(parentId(firstStep as ReadableSpan)).toBe(spanId(first));
    exporter.reset();

    const after = await createTestEngine({
      workflows: [waiter],
      activities: [step],
      store: data.open(),
      startAt: before.clock.now(),
    });
    const resumed = after.engine.getHandle('w-1');
    await resumed.signal('go', 'now');
    expect(await resumed.result()).toBe('now');
    await after.idle();
    const second = one('workflow waiter');
    expect(second.spanContext().traceId).toBe(start.spanContext().traceId);
    expect(parentId(second)).toBe(spanId(start));
    expect(second.attributes).toMatchObject({ 'reprise.resumed': true, 'reprise.outcome': 'Completed' });
    // The replayed first step ran no attempt again; the new one is under the new segment.
    expect(named('activity step').map((span) => [span.attributes.attempt, parentId(span)])).toEqual([
      [1, spanId(second)],
    ]);
    expect(named('activity step')[0]?.attributes['reprise.activity_id']).not.toBe(
      firstStep?.attributes['reprise.activity_id'],
    );
    await after.close();
  });
});
