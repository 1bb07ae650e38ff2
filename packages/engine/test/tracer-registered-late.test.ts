// With no tracer provider registered the engine makes no spans at all (not even no-op ones); a
// provider the app registers later, while the engine runs, gets the spans of what starts after.

import { trace } from '@opentelemetry/api';
import { defineActivity, defineWorkflow } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';
import { useInMemoryTracing } from './in-memory-tracing.js';

const { exporter, register } = useInMemoryTracing({ registerProvider: false });

/** Whether a span was active in each attempt's code, in call order. */
const activeInCode: boolean[] = [];
const charge = defineActivity('charge', async (amount: number) => {
  activeInCode.push(trace.getActiveSpan() !== undefined);
  return amount;
});
const order = defineWorkflow('order', async (ctx, amount: number) => ctx.activity(charge, amount));

it('makes no span before a tracer provider is registered, and traces what starts after it is', async () => {
  const env = await createTestEngine({ workflows: [order], activities: [charge] });
  expect(await (await env.engine.start(order, 1, { workflowId: 'before' })).result()).toBe(1);
  expect(activeInCode).toEqual([false]);

  register();
  expect(await (await env.engine.start(order, 2, { workflowId: 'after' })).result()).toBe(2);
  expect(activeInCode).toEqual([false, true]);
  const names = exporter.getFinishedSpans().map((span) => span.name);
  expect(names).toEqual(expect.arrayContaining(['start order', 'workflow order', 'activity charge']));
  expect(
    exporter.getFinishedSpans().every((span) => span.attributes['reprise.workflow_id'] === 'after'),
  ).toBe(true);
  await env.close();
});
