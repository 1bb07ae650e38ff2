import { defineActivity, defineWorkflow, type WorkflowEvent } from '@reprise/core';
import { Engine } from '@reprise/engine';
import { createTestEngine } from '@reprise/testkit';
import { reopenable } from './helpers.js';

const echo = defineActivity('echo', async (value: string) => value);

describe('timers', () => {
  it('a workflow sleeping for a month finishes on the virtual clock', async () => {
    const monthly = defineWorkflow('monthly', async (ctx) => {
      const before = ctx.now();
      await ctx.sleep('30d');
      return ctx.now() - before;
    });
    const env = await createTestEngine({ workflows: [monthly] });
    const handle = await env.engine.start(monthly, null);
    await env.advance('29d');
    expect((await handle.describe()).status).toBe('Running');
    expect((await handle.describe()).pendingTimers).toEqual([{ timerId: 't1', fireAt: expect.any(Number) }]);
    await env.advance('1d');
    expect(await handle.result()).toBe(30 * 86_400_000);
    await env.close();
  });

  it('re-arms timers on restart, and one that fell due while down fires at once', async () => {
    const { open } = reopenable();
    const napper = defineWorkflow('napper', async (ctx) => {
      await ctx.sleep('1h');
      return 'rested';
    });
    const first = await createTestEngine({ workflows: [napper], store: open() });
    await first.engine.start(napper, null, { workflowId: 'nap' });
    await first.idle();
    await first.close();
    const second = await createTestEngine({
      workflows: [napper],
      store: open(),
      startAt: first.clock.now() + 2 * 3_600_000,
    });
    await second.advance(0);
    expect(await second.engine.getHandle('nap').result()).toBe('rested');
    const fired = (await second.engine.getHandle('nap').history()).find(
      (event) => event.type === 'TimerFired',
    );
    expect(fired?.recordedAt).toBe(second.clock.now());
    await second.close();
  });
});

describe('determinism', () => {
  const roll = defineWorkflow('roll', async (ctx) => {
    const first = { at: ctx.now(), random: ctx.random(), uuid: ctx.uuid() };
    await ctx.sleep('1m');
    return { first, second: { at: ctx.now(), random: ctx.random() } };
  });

  it('now, random and uuid give the same values when a run is replayed after a restart', async () => {
    const { open } = reopenable();
    const first = await createTestEngine({ workflows: [roll], store: open() });
    await first.engine.start(roll, null, { workflowId: 'dice' });
    await first.idle();
    await first.close();
    const second = await createTestEngine({ workflows: [roll], store: open(), startAt: first.clock.now() });
    await second.advance('1m');
    const result = (await second.engine.getHandle('dice').result()) as {
      first: { at: number; random: number };
      second: { at: number };
    };
    const history = await second.engine.getHandle('dice').history();
    expect(result.first.at).toBe(history[0]?.recordedAt);
    expect(result.second.at).toBe(history.find((event) => event.type === 'TimerFired')?.recordedAt);
    // A third engine replays the closed run's start the same way.
    expect(result.first.random).toBeGreaterThanOrEqual(0);
    expect(result.first.random).toBeLessThan(1);
    await second.close();
  });

  it('a run whose code no longer matches its history is stalled, never failed, and resumes with fixed code', async () => {
    const { open } = reopenable();
    const v1 = defineWorkflow('shipping', async (ctx) => {
      await ctx.activity(echo, 'pack');
      await ctx.sleep('1h');
      return ctx.activity(echo, 'ship');
    });
    const first = await createTestEngine({ workflows: [v1], activities: [echo], store: open() });
    await first.engine.start(v1, null, { workflowId: 'ship-1' });
    await first.idle();
    await first.close();

    const broken = defineWorkflow('shipping', async (ctx) => {
      await ctx.sleep('1h');
      return ctx.activity(echo, 'ship');
    });
    const warnings: string[] = [];
    const second = await createTestEngine({
      workflows: [broken],
      activities: [echo],
      store: open(),
      startAt: first.clock.now(),
      logger: { warn: (message) => warnings.push(message) },
    });
    await second.idle();
    const described = await second.engine.getHandle('ship-1').describe();
    expect(described.status).toBe('Running');
    expect(described.stalled).toEqual({
      reason: expect.stringContaining('command #0'),
      position: 0,
      cause: 'nonDeterminism',
    });
    expect(described.stalled?.reason).toContain('recorded ActivityScheduled echo');
    expect(described.stalled?.reason).toContain('code asked for TimerStarted t1');
    const listed = await second.engine.list({ status: 'Running' });
    expect(listed.items[0]?.stalled?.reason).toEqual(expect.stringContaining('diverged'));
    expect(warnings).toContain('run stalled: replay diverged from its history');
    await second.advance('2h');
    expect(
      (await second.engine.getHandle('ship-1').history()).some((event) => event.type === 'WorkflowFailed'),
    ).toBe(false);
    await second.close();

    const third = await createTestEngine({
      workflows: [v1],
      activities: [echo],
      store: open(),
      startAt: second.clock.now(),
    });
    await third.advance('1h');
    expect(await third.engine.getHandle('ship-1').result()).toBe('ship');
    await third.close();
  });
});

describe('start', () => {
  const waitForGo = defineWorkflow('wait-for-go', async (ctx) => ctx.waitForSignal('go'));
  const fail = defineWorkflow('fail', async () => {
    throw new Error('nope');
  });

  it('refuses an id that is running, or hands back its handle with onConflict useExisting', async () => {
    const env = await createTestEngine({ workflows: [waitForGo] });
    await env.engine.start(waitForGo, null, { workflowId: 'dup' });
    await expect(env.engine.start(waitForGo, null, { workflowId: 'dup' })).rejects.toMatchObject({
      code: 'workflow_already_started',
      workflowId: 'dup',
      status: 'Running',
    });
    const again = await env.engine.start(waitForGo, null, { workflowId: 'dup', onConflict: 'useExisting' });
    expect(again.workflowId).toBe('dup');
    expect((await again.history()).filter((event) => event.type === 'WorkflowStarted')).toHaveLength(1);
    await env.close();
  });

  it('two concurrent starts of one id: one starts, the other is refused', async () => {
    const env = await createTestEngine({ workflows: [waitForGo] });
    const results = await Promise.allSettled([
      env.engine.start(waitForGo, null, { workflowId: 'race' }),
      env.engine.start(waitForGo, null, { workflowId: 'race' }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    await env.close();
  });

  it('applies the id reuse policy to closed runs', async () => {
    const env = await createTestEngine({ workflows: [waitForGo, fail] });
    const done = await env.engine.start(waitForGo, null, { workflowId: 'done' });
    await done.signal('go', 1);
    expect(await done.result()).toBe(1);
    await expect(
      env.engine.start(waitForGo, null, { workflowId: 'done', idReusePolicy: 'rejectDuplicate' }),
    ).rejects.toMatchObject({ code: 'workflow_already_started', status: 'Completed' });
    await expect(
      env.engine.start(waitForGo, null, { workflowId: 'done', idReusePolicy: 'allowDuplicateFailedOnly' }),
    ).rejects.toMatchObject({ code: 'workflow_already_started' });
    const failed = await env.engine.start(fail, null, { workflowId: 'failed' });
    await expect(failed.result()).rejects.toMatchObject({ code: 'workflow_failed' });
    await env.engine.start(waitForGo, null, {
      workflowId: 'failed',
      idReusePolicy: 'allowDuplicateFailedOnly',
    });
    const restarted = await env.engine
      .start(waitForGo, null, { workflowId: 'done', onConflict: 'fail' })
      .catch((e) => e);
    expect(restarted.workflowId).toBe('done');
    const history = await env.engine.getHandle('done').history();
    expect(history.filter((event) => event.type === 'WorkflowStarted')).toHaveLength(2);
    await env.close();
  });

  it('validates search attributes against the schema; list filters by them', async () => {
    const env = await createTestEngine({
      workflows: [waitForGo],
      searchAttributes: { customer: 'keyword', total: 'double' },
    });
    await expect(
      env.engine.start(waitForGo, null, { searchAttributes: { customer: 42 } as never }),
    ).rejects.toMatchObject({ code: 'invalid_search_attribute', attribute: 'customer' });
    await expect(
      env.engine.start(waitForGo, null, { searchAttributes: { region: 'eu' } }),
    ).rejects.toMatchObject({
      code: 'invalid_search_attribute',
    });
    await env.engine.start(waitForGo, null, {
      workflowId: 'a',
      searchAttributes: { customer: 'ada', total: 5 },
    });
    await env.engine.start(waitForGo, null, {
      workflowId: 'b',
      searchAttributes: { customer: 'bob', total: 50 },
    });
    const page = await env.engine.list({ searchAttributes: { total: { gt: 10 } } });
    expect(page.items.map((item) => item.workflowId)).toEqual(['b']);
    expect(await env.engine.store.count({})).toBe(2);
    await env.close();
  });
});

describe('bad input gets a typed error and stores nothing half-way', () => {
  const identity = defineWorkflow('identity', async (_ctx, input: unknown) => input as never);

  it('unknown workflow type', async () => {
    const env = await createTestEngine({ workflows: [identity] });
    await expect(env.engine.start('nope', null)).rejects.toMatchObject({
      code: 'unknown_workflow_type',
      workflowType: 'nope',
    });
    expect(await env.engine.store.count({})).toBe(0);
    await env.close();
  });

  it('non-JSON input, naming the path', async () => {
    const env = await createTestEngine({ workflows: [identity] });
    await expect(
      env.engine.start(identity, { when: () => 1 } as never, { workflowId: 'x' }),
    ).rejects.toMatchObject({
      code: 'invalid_payload',
      path: 'input.when',
    });
    expect(await env.engine.store.readHistory('x' as never)).toEqual([]);
    await env.close();
  });

  it('a non-JSON result fails the run with the path of the bad value', async () => {
    const dated = defineWorkflow('dated', async () => ({ at: new Date(0) }) as never);
    const env = await createTestEngine({ workflows: [dated] });
    const handle = await env.engine.start(dated, null);
    await expect(handle.result()).rejects.toMatchObject({
      code: 'workflow_failed',
      failure: { name: 'PayloadError', message: expect.stringContaining('result.at') },
    });
    await env.close();
  });

  it('workflow code throwing a non-Error is recorded as a failure that keeps what was thrown', async () => {
    const throwsString = defineWorkflow('throws-string', async () => {
      throw { reason: 'out of stock', sku: 'A1' };
    });
    const env = await createTestEngine({ workflows: [throwsString] });
    const handle = await env.engine.start(throwsString, null);
    await expect(handle.result()).rejects.toMatchObject({
      failure: { name: 'NonErrorThrown', details: { reason: 'out of stock', sku: 'A1' } },
    });
    await env.close();
  });

  it('handles of unknown ids', async () => {
    const env = await createTestEngine({ workflows: [identity] });
    const handle = env.engine.getHandle('ghost');
    await expect(handle.result()).rejects.toMatchObject({ code: 'workflow_not_found', workflowId: 'ghost' });
    await expect(handle.describe()).rejects.toMatchObject({ code: 'workflow_not_found' });
    await expect(handle.history()).rejects.toMatchObject({ code: 'workflow_not_found' });
    await expect(handle.signal('go')).rejects.toMatchObject({ code: 'workflow_not_found' });
    expect(() => env.engine.getHandle('')).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    await env.close();
  });

  it('duplicate registrations and bad definitions are refused at create', async () => {
    await expect(Engine.create({ workflows: [identity, identity] })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(Engine.create({ workflows: [{ name: 'x' } as never] })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(
      Engine.create({ workflows: [identity], searchAttributes: { a: 'float' as never } }),
    ).rejects.toMatchObject({
      code: 'invalid_search_attribute',
    });
  });

  it('use after shutdown', async () => {
    const env = await createTestEngine({ workflows: [identity] });
    await env.close();
    await expect(env.engine.start(identity, 1)).rejects.toMatchObject({ code: 'engine_closed' });
    await env.close();
  });
});

describe('signals, cancellation and queries', () => {
  it('signals sent before the workflow waits are kept in order; each is recorded before delivery', async () => {
    const collect = defineWorkflow('collect', async (ctx) => {
      await ctx.sleep('1m');
      const a = await ctx.waitForSignal('item');
      const b = await ctx.waitForSignal('item');
      return [a, b];
    });
    const env = await createTestEngine({ workflows: [collect] });
    const handle = await env.engine.start(collect, null);
    await handle.signal('item', 'first');
    await handle.signal('item', 'second');
    const history = await handle.history();
    expect(
      history
        .filter((event) => event.type === 'SignalReceived')
        .map((event) => (event as { payload: unknown }).payload),
    ).toEqual(['first', 'second']);
    await env.advance('1m');
    expect(await handle.result()).toEqual(['first', 'second']);
    await expect(handle.signal('item', 'late')).rejects.toMatchObject({
      code: 'workflow_closed',
      status: 'Completed',
    });
    await env.close();
  });

  it('a requestId makes a signal idempotent', async () => {
    const once = defineWorkflow('once', async (ctx) => {
      await ctx.sleep('1h');
      const first = await ctx.waitForSignal('pay', { timeout: '1s' });
      const second = await ctx.waitForSignal('pay', { timeout: '1s' });
      return [first ?? 'timed out', second ?? 'timed out'];
    });
    const env = await createTestEngine({ workflows: [once] });
    const handle = await env.engine.start(once, null);
    await handle.signal('pay', 10, { requestId: 'r-1' });
    await handle.signal('pay', 10, { requestId: 'r-1' });
    await env.advance('2h');
    expect(await handle.result()).toEqual([10, 'timed out']);
    await env.close();
  });

  it('cancel: the code sees CancelledError, cleans up in a non-cancellable scope, and the run ends Cancelled', async () => {
    const cleanups: string[] = [];
    const refund = defineActivity('refund', async (order: string) => {
      cleanups.push(order);
      return 'refunded';
    });
    const slowStep = defineActivity(
      'slow-step',
      (_: null, actx) =>
        new Promise<string>((_resolve, reject) => {
          actx.signal.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    );
    const order = defineWorkflow('order', async (ctx) => {
      try {
        await Promise.all([ctx.sleep('1d'), ctx.activity(slowStep, null)]);
        return 'done';
      } catch (error) {
        await ctx.nonCancellable((safe) => safe.activity(refund, 'o-1'));
        throw error;
      }
    });
    const env = await createTestEngine({ workflows: [order], activities: [refund, slowStep] });
    const handle = await env.engine.start(order, null);
    await env.idle();
    expect(await handle.cancel('customer asked')).toEqual({ status: 'Running' });
    await env.idle();
    await expect(handle.result()).rejects.toMatchObject({
      code: 'workflow_cancelled',
      reason: 'customer asked',
    });
    expect(cleanups).toEqual(['o-1']);
    const types = (await handle.history()).map((event: WorkflowEvent) => event.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'WorkflowCancelRequested',
        'TimerCancelled',
        'ActivityCancelled',
        'WorkflowCancelled',
      ]),
    );
    expect(await handle.cancel()).toEqual({ status: 'Cancelled' });
    await env.close();
  });

  it('queries answer from live state and are not recorded', async () => {
    const counter = defineWorkflow('counter', async (ctx) => {
      let count = 0;
      ctx.setQueryHandler('count', () => count);
      for (;;) {
        const step = await ctx.waitForSignal<number>('add');
        if (step === 0) return count;
        count += step ?? 0;
      }
    });
    const env = await createTestEngine({ workflows: [counter] });
    const handle = await env.engine.start(counter, null);
    await handle.signal('add', 2);
    await handle.signal('add', 3);
    await env.idle();
    const before = (await handle.history()).length;
    expect(await handle.query('count')).toBe(5);
    await expect(handle.query('missing')).rejects.toMatchObject({ code: 'invalid_argument' });
    expect((await handle.history()).length).toBe(before);
    await handle.signal('add', 0);
    expect(await handle.result()).toBe(5);
    await env.close();
  });
});

describe('recovery', () => {
  it('resumes every active workflow after a restart, and leaves closed ones alone', async () => {
    const { open } = reopenable();
    let executed = 0;
    const step = defineActivity('step', async (n: number) => {
      executed++;
      return n * 2;
    });
    const flow = defineWorkflow('flow', async (ctx, n: number) => {
      const doubled = await ctx.activity(step, n);
      await ctx.sleep('10m');
      return ctx.activity(step, doubled);
    });
    const first = await createTestEngine({ workflows: [flow], activities: [step], store: open() });
    for (let i = 0; i < 5; i++) await first.engine.start(flow, i, { workflowId: `f${i}` });
    await first.idle();
    await first.advance('10m');
    await first.engine.start(flow, 10, { workflowId: 'late' });
    await first.idle();
    await first.close();
    const executedBefore = executed;
    const second = await createTestEngine({
      workflows: [flow],
      activities: [step],
      store: open(),
      startAt: first.clock.now(),
    });
    await second.advance('10m');
    for (let i = 0; i < 5; i++) expect(await second.engine.getHandle(`f${i}`).result()).toBe(i * 4);
    expect(await second.engine.getHandle('late').result()).toBe(40);
    expect(executed - executedBefore).toBe(1);
    await second.close();
  });

  it('skips, with a warning, an active-index entry whose history projects terminal', async () => {
    const { open } = reopenable();
    const quick = defineWorkflow('quick', async () => 1);
    const env = await createTestEngine({ workflows: [quick], store: open() });
    const handle = await env.engine.start(quick, null, { workflowId: 'q' });
    await handle.result();
    await env.close();
    const lying = new Proxy(open(), {
      get(target, property, receiver) {
        if (property === 'listActive') {
          return async function* () {
            yield 'q';
          };
        }
        return Reflect.get(target, property, receiver);
      },
    });
    const warnings: string[] = [];
    const again = await createTestEngine({
      workflows: [quick],
      store: lying,
      logger: { warn: (m) => warnings.push(m) },
    });
    expect(warnings).toEqual(['active index lists a workflow whose history is closed; skipped']);
    expect((await again.engine.getHandle('q').history()).length).toBe(2);
    await again.close();
  });
});
