import { defineWorkflow } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';
import { gatedWorkflow, inbox } from './helpers.js';

const sleeper = defineWorkflow('sleeper', async (ctx, minutes: number) => {
  await ctx.sleep(minutes * 60_000);
  return minutes;
});

async function residents(env: Awaited<ReturnType<typeof createTestEngine>>, ids: string[]) {
  const described = await Promise.all(ids.map((id) => env.engine.getHandle(id).describe()));
  return described.filter((description) => description.residency === 'resident').length;
}

describe('residency', () => {
  it('keeps at most maxResident runs in memory; signals and queries bring evicted runs back by replay', async () => {
    const env = await createTestEngine({ workflows: [inbox], maxResident: 3 });
    const ids = Array.from({ length: 12 }, (_, i) => `inbox-${i}`);
    for (const id of ids) await env.engine.start(inbox, null, { workflowId: id });
    await env.idle();
    expect(await residents(env, ids)).toBeLessThanOrEqual(3);
    for (const [i, id] of ids.entries()) await env.engine.getHandle(id).signal('message', i);
    await env.idle();
    expect(await residents(env, ids)).toBeLessThanOrEqual(3);
    for (const [i, id] of ids.entries()) {
      expect(await env.engine.getHandle(id).query('received')).toEqual([i]);
    }
    for (const id of ids) await env.engine.getHandle(id).signal('message', 'stop');
    for (const [i, id] of ids.entries()) expect(await env.engine.getHandle(id).result()).toEqual([i]);
    await env.close();
  });

  it('timers of evicted runs still fire', async () => {
    const env = await createTestEngine({ workflows: [sleeper], maxResident: 2 });
    const ids = Array.from({ length: 8 }, (_, i) => `sleep-${i}`);
    for (const [i, id] of ids.entries()) await env.engine.start(sleeper, i + 1, { workflowId: id });
    await env.idle();
    expect(await residents(env, ids)).toBeLessThanOrEqual(2);
    await env.advance('10m');
    for (const [i, id] of ids.entries()) expect(await env.engine.getHandle(id).result()).toBe(i + 1);
    await env.close();
  });

  // Window: a signal arrives while its run is being evicted. It must be recorded exactly once.
  it('a signal racing the eviction of its run is recorded once and delivered', async () => {
    const env = await createTestEngine({ workflows: [inbox], maxResident: 1 });
    await env.engine.start(inbox, null, { workflowId: 'a' });
    await env.idle();
    // Starting b evicts a; signal a at the same moment.
    const [, signalled] = await Promise.all([
      env.engine.start(inbox, null, { workflowId: 'b' }),
      env.engine.getHandle('a').signal('message', 'hello'),
    ]);
    expect(signalled).toBeUndefined();
    await env.idle();
    await env.engine.getHandle('a').signal('message', 'stop');
    expect(await env.engine.getHandle('a').result()).toEqual(['hello']);
    const received = (await env.engine.getHandle('a').history()).filter(
      (event) => event.type === 'SignalReceived',
    );
    expect(received).toHaveLength(2);
    await env.close();
  });

  it('activity results for an evicted run rehydrate it, and the attempt is not run again', async () => {
    const { gate, gated, release, attempts } = gatedWorkflow();
    const env = await createTestEngine({ workflows: [gated, inbox], activities: [gate], maxResident: 1 });
    await env.engine.start(gated, null, { workflowId: 'g' });
    await env.idle();
    await env.engine.start(inbox, null, { workflowId: 'other' });
    await env.idle();
    const described = await env.engine.getHandle('g').describe();
    expect(described.residency).toBe('suspended');
    expect(described.pendingActivities.map((activity) => activity.activityType)).toEqual(['gate']);
    release();
    expect(await env.engine.getHandle('g').result()).toBe('opened');
    // The replay that brought the run back met the attempt's end waiting in its mailbox.
    expect(attempts()).toBe(1);
    await env.engine.getHandle('other').signal('message', 'stop');
    await env.close();
  });
});
