// The default logger (no `logger` option) is quiet except warnings, as pino's level `warn`:
// ctx.log.warn and ctx.log.error reach the console with the run's ids, debug and info do not;
// and replay writes nothing again. A pino logger goes in through `pinoLogger`.
import { defineWorkflow } from '@reprise/core';
import { pinoLogger } from '@reprise/engine';
import { createTestEngine } from '@reprise/testkit';

const chatty = defineWorkflow('chatty', async (ctx) => {
  ctx.log.debug('debug line');
  ctx.log.info({ step: 1 }, 'info line');
  ctx.log.warn({ step: 2 }, 'warn line');
  ctx.log.error('error line');
  await ctx.waitForSignal('go');
  ctx.log.warn('after the signal');
  return 'done';
});

const CONSOLE_METHODS = ['log', 'debug', 'info', 'warn', 'error'] as const;

it('writes warnings and errors to the console, nothing quieter, each line once', async () => {
  const calls: [string, unknown[]][] = [];
  const spies = CONSOLE_METHODS.map((method) =>
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      calls.push([method, args]);
    }),
  );
  try {
    // hibernateAfter 0: the signal wakes the run by replaying its first step.
    const env = await createTestEngine({ workflows: [chatty], hibernateAfter: 0 });
    const handle = await env.engine.start(chatty, null, { workflowId: 'c-1' });
    await env.idle();
    expect((await handle.describe()).residency).toBe('hibernated');
    await handle.signal('go', null);
    expect(await handle.result()).toBe('done');
    const { runId } = await handle.describe();
    const ids = { workflowId: 'c-1', runId, workflowType: 'chatty' };
    expect(calls).toEqual([
      ['warn', ['[reprise] warn line', { step: 2, ...ids }]],
      ['error', ['[reprise] error line', ids]],
      ['warn', ['[reprise] after the signal', ids]],
    ]);
    await env.close();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
});

it('takes a pino logger through pinoLogger: fields first, then the message, at the same level', async () => {
  const calls: [string, Record<string, unknown>, string][] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) => {
    calls.push([level, fields, message]);
  };
  const pino = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  const env = await createTestEngine({ workflows: [chatty], logger: pinoLogger(pino) });
  const handle = await env.engine.start(chatty, null, { workflowId: 'p-1' });
  await handle.signal('go', null);
  expect(await handle.result()).toBe('done');
  const { runId } = await handle.describe();
  const ids = { workflowId: 'p-1', runId, workflowType: 'chatty' };
  expect(calls).toEqual([
    ['debug', ids, 'debug line'],
    ['info', { step: 1, ...ids }, 'info line'],
    ['warn', { step: 2, ...ids }, 'warn line'],
    ['error', ids, 'error line'],
    ['warn', ids, 'after the signal'],
  ]);
  await env.close();
});
