// With no tracer provider registered the engine makes no spans at all (not even no-op ones); a
// provider the app registers later, while the engine runs, gets the spans of what starts after.

import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { defineActivity, defineWorkflow } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  contextManager.enable();
  context.setGlobalContextManager(contextManager);
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

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

  trace.setGlobalTracerProvider(provider);
  expect(await (await env.engine.start(order, 2, { workflowId: 'after' })).result()).toBe(2);
  expect(activeInCode).toEqual([false, true]);
  const names = exporter.getFinishedSpans().map((span) => span.name);
  expect(names).toEqual(expect.arrayContaining(['start order', 'workflow order', 'activity charge']));
  expect(
    exporter.getFinishedSpans().every((span) => span.attributes['reprise.workflow_id'] === 'after'),
  ).toBe(true);
  await env.close();
});
