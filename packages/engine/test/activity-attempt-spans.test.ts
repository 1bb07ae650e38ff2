// OpenTelemetry: one span per activity attempt, named after the activity, with its attempt
// number and outcome (error status on failure), the active span inside the activity's code;
// replays — a wake from hibernation, a restart of the engine — emit no span again.

import { SpanStatusCode, trace } from '@opentelemetry/api';
import { defineActivity, defineWorkflow, InMemoryStore } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';
import { reopenable } from './helpers.js';
import { useInMemoryTracing } from './in-memory-tracing.js';

const { exporter } = useInMemoryTracing();

/** The span id active in each attempt's code, as the code saw it. */
const seenInCode: (string | undefined)[] = [];

const flaky = defineActivity(
  'flaky',
  async (failures: number, actx) => {
    seenInCode.push(trace.getActiveSpan()?.spanContext().spanId);
    if (actx.attempt <= failures) throw new Error(`busy ${actx.attempt}`);
    return actx.attempt;
  },
  { retry: { initialInterval: '1s', maximumAttempts: 5 } },
);

const refuses = defineActivity('refuses', async () => {
  throw Object.assign(new Error('card declined'), { name: 'Declined', nonRetryable: true });
});

const order = defineWorkflow('order', async (ctx, failures: number) => {
  const attempts = await ctx.activity(flaky, failures);
  const approval = await ctx.waitForSignal<string>('approve');
  await ctx.sleep('1h');
  return { attempts, approval };
});

const declined = defineWorkflow('declined', async (ctx) => {
  try {
    await ctx.activity(refuses, null);
  } catch {
    return 'declined';
  }
  return 'charged';
});

/** The attempts' spans (the starts' and runs' spans are `run-spans.test.ts`'s). */
const attemptSpans = () => exporter.getFinishedSpans().filter((span) => span.name.startsWith('activity '));

const spans = () =>
  attemptSpans().map((span) => ({
    name: span.name,
    attempt: span.attributes.attempt,
    outcome: span.attributes['reprise.outcome'],
    status: span.status.code,
  }));

describe('activity attempt spans', () => {
  it('are one per attempt, with the attempt number, the outcome and an error status on failure', async () => {
    const env = await createTestEngine({ workflows: [order, declined], activities: [flaky, refuses] });
    seenInCode.length = 0;
    const handle = await env.engine.start(order, 2, { workflowId: 'o' });
    await env.advance('10s');
    expect(spans()).toEqual([
      { name: 'activity flaky', attempt: 1, outcome: 'retrying', status: SpanStatusCode.ERROR },
      { name: 'activity flaky', attempt: 2, outcome: 'retrying', status: SpanStatusCode.ERROR },
      { name: 'activity flaky', attempt: 3, outcome: 'completed', status: SpanStatusCode.UNSET },
    ]);
    const [first] = attemptSpans();
    expect(first?.status.message).toBe('Error: busy 1');
    expect(first?.attributes).toMatchObject({ 'reprise.workflow_id': 'o', 'reprise.activity_type': 'flaky' });
    // The code of each attempt ran with that attempt's span active.
    expect(seenInCode).toEqual(attemptSpans().map((span) => span.spanContext().spanId));

    exporter.reset();
    expect(await (await env.engine.start(declined, null, { workflowId: 'd' })).result()).toBe('declined');
    expect(spans()).toEqual([
      { name: 'activity refuses', attempt: 1, outcome: 'failed', status: SpanStatusCode.ERROR },
    ]);
    await handle.signal('approve', 'ada');
    await env.advance('1h');
    await handle.result();
    await env.close();
  });

  it('are not emitted again when a run replays: after a hibernation, or a restart of the engine', async () => {
    const data = reopenable(new InMemoryStore());
    const before = await createTestEngine({
      workflows: [order],
      activities: [flaky],
      store: data.open(),
      hibernateAfter: 0,
    });
    await before.engine.start(order, 1, { workflowId: 'h' });
    await before.advance('10s');
    expect(spans().map((span) => span.attempt)).toEqual([1, 2]);
    expect((await before.engine.getHandle('h').describe()).residency).toBe('hibernated');
    // The signal wakes the run: it replays its history, activity included, and runs no attempt.
    await before.engine.getHandle('h').signal('approve', 'ada');
    await before.idle();
    await before.close();

    const after = await createTestEngine({
      workflows: [order],
      activities: [flaky],
      store: data.open(),
      startAt: before.clock.now(),
    });
    await after.advance('1h');
    expect(await after.engine.getHandle('h').result()).toEqual({ attempts: 2, approval: 'ada' });
    expect(spans().map((span) => span.attempt)).toEqual([1, 2]);
    await after.close();
  });
});
