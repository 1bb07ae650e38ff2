// ctx.log writes each line once: not again when the run is rebuilt by replay — after an
// eviction, a hibernation, or a restart of the engine on the same store.
import { defineActivity, defineWorkflow, InMemoryStore } from '@reprise/core';
import type { EngineLogger } from '@reprise/engine';
import { createTestEngine } from '@reprise/testkit';
import { reopenable } from './helpers.js';

const charge = defineActivity('charge', async (amount: number) => amount * 2);

const order = defineWorkflow('order', async (ctx, amount: number) => {
  ctx.log.info({ amount }, 'order received');
  const charged = await ctx.activity(charge, amount);
  ctx.log.debug(`charged ${charged}`);
  const approval = await ctx.waitForSignal<string>('approve');
  ctx.log.warn({ approval }, 'approved');
  await ctx.sleep('1h');
  ctx.log.error('shipping late');
  return charged;
});

interface Line {
  readonly level: string;
  readonly message: string;
  readonly details: Record<string, unknown> | undefined;
}

function capturingLogger(): { logger: EngineLogger; lines: Line[]; messages(): string[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (message: string, details?: Record<string, unknown>): void => {
      lines.push({ level, message, details });
    };
  return {
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
    lines,
    // Only the workflow's own lines (the engine's warnings would carry no workflowType).
    messages: () =>
      lines.filter((line) => line.details?.workflowType === 'order').map((line) => line.message),
  };
}

const ALL = ['order received', 'charged 20', 'approved', 'shipping late'];

describe('ctx.log', () => {
  it("writes each line once at its level, pino-style fields merged with the run's ids", async () => {
    const { logger, lines, messages } = capturingLogger();
    const env = await createTestEngine({ workflows: [order], activities: [charge], logger });
    const handle = await env.engine.start(order, 10, { workflowId: 'o-1' });
    await env.idle();
    expect(messages()).toEqual(['order received', 'charged 20']);
    await handle.signal('approve', 'ada');
    await env.advance('1h');
    expect(await handle.result()).toBe(20);
    expect(messages()).toEqual(ALL);
    const { runId } = await handle.describe();
    expect(lines.map((line) => [line.level, line.details])).toEqual([
      ['info', { amount: 10, workflowId: 'o-1', runId, workflowType: 'order' }],
      ['debug', { workflowId: 'o-1', runId, workflowType: 'order' }],
      ['warn', { approval: 'ada', workflowId: 'o-1', runId, workflowType: 'order' }],
      ['error', { workflowId: 'o-1', runId, workflowType: 'order' }],
    ]);
    await env.close();
  });

  it('stays silent when an evicted run is rebuilt by replay', async () => {
    const { logger, messages } = capturingLogger();
    const env = await createTestEngine({ workflows: [order], activities: [charge], logger, maxResident: 1 });
    await env.engine.start(order, 10, { workflowId: 'a' });
    await env.idle();
    // b's start evicts a; a's signal brings it back by replay of its history.
    await env.engine.start(order, 1, { workflowId: 'b' });
    await env.idle();
    expect((await env.engine.getHandle('a').describe()).residency).toBe('suspended');
    await env.engine.getHandle('a').signal('approve', 'ada');
    await env.engine.getHandle('b').signal('approve', 'bob');
    await env.advance('1h');
    await env.engine.getHandle('a').result();
    await env.engine.getHandle('b').result();
    const count = (message: string) => messages().filter((line) => line === message).length;
    expect(['order received', 'approved', 'shipping late'].map(count)).toEqual([2, 2, 2]);
    expect(
      messages()
        .filter((line) => line.startsWith('charged'))
        .sort(),
    ).toEqual(['charged 2', 'charged 20']);
    await env.close();
  });

  it('stays silent when a hibernated run wakes and replays', async () => {
    const { logger, messages } = capturingLogger();
    const env = await createTestEngine({
      workflows: [order],
      activities: [charge],
      logger,
      hibernateAfter: 0,
    });
    const handle = await env.engine.start(order, 10, { workflowId: 'h' });
    await env.idle();
    await env.advance('1s');
    expect((await handle.describe()).residency).toBe('hibernated');
    await handle.signal('approve', 'ada');
    await env.advance('1h');
    expect(await handle.result()).toBe(20);
    expect(messages()).toEqual(ALL);
    await env.close();
  });

  it('does not repeat, after a restart of the engine, what the engine before wrote', async () => {
    const data = reopenable(new InMemoryStore());
    const first = capturingLogger();
    const before = await createTestEngine({
      workflows: [order],
      activities: [charge],
      logger: first.logger,
      store: data.open(),
    });
    await before.engine.start(order, 10, { workflowId: 'r' });
    await before.idle();
    await before.engine.getHandle('r').signal('approve', 'ada');
    await before.idle();
    expect(first.messages()).toEqual(['order received', 'charged 20', 'approved']);
    await before.close();

    const second = capturingLogger();
    const after = await createTestEngine({
      workflows: [order],
      activities: [charge],
      logger: second.logger,
      store: data.open(),
      startAt: before.clock.now(),
    });
    await after.advance('1h');
    expect(await after.engine.getHandle('r').result()).toBe(20);
    expect(second.messages()).toEqual(['shipping late']);
    await after.close();
  });
});
