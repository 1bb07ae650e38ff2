// Window: a run is closed from outside its code (executionTimeout, terminate) while an activity
// attempt runs or waits for its retry. The attempt's AbortSignal fires and no attempt follows.
import { defineActivity, defineWorkflow } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';

function activities() {
  const log = { started: 0, aborted: 0 };
  /** Runs until its AbortSignal fires. */
  const hang = defineActivity('hang', (_input: null, actx) => {
    log.started++;
    return new Promise<string>((_resolve, reject) => {
      actx.signal.addEventListener('abort', () => {
        log.aborted++;
        reject(new Error('aborted'));
      });
    });
  });
  /** Fails every attempt; the next one comes a minute later. */
  const flaky = defineActivity(
    'flaky',
    async () => {
      log.started++;
      throw new Error('not yet');
    },
    { retry: { initialInterval: '1m', backoffCoefficient: 1, maximumAttempts: 10 } },
  );
  const waitsOnHang = defineWorkflow('waits-on-hang', async (ctx) => ctx.activity(hang, null));
  const waitsOnFlaky = defineWorkflow('waits-on-flaky', async (ctx) => ctx.activity(flaky, null));
  return { log, hang, flaky, waitsOnHang, waitsOnFlaky };
}

describe.each([
  ['an execution timeout', 'TimedOut'],
  ['a terminate', 'Terminated'],
] as const)('%s', (_label, status) => {
  async function setUp(workflow: 'hang' | 'flaky', maxResident?: number) {
    const { log, hang, flaky, waitsOnHang, waitsOnFlaky } = activities();
    const env = await createTestEngine({
      workflows: [waitsOnHang, waitsOnFlaky],
      activities: [hang, flaky],
      ...(maxResident === undefined ? {} : { maxResident }),
    });
    const definition = workflow === 'hang' ? waitsOnHang : waitsOnFlaky;
    const handle = await env.engine.start(definition, null, {
      workflowId: 'w',
      ...(status === 'TimedOut' ? { executionTimeout: '30s' } : {}),
    });
    await env.idle();
    const close = async () => {
      if (status === 'TimedOut') await env.advance('30s');
      else await env.engine.terminate('w');
      await env.idle();
      expect((await handle.describe()).status).toBe(status);
    };
    return { env, log, close };
  }

  it('aborts the attempt in flight', async () => {
    const { env, log, close } = await setUp('hang');
    expect(log).toEqual({ started: 1, aborted: 0 });
    await close();
    expect(log).toEqual({ started: 1, aborted: 1 });
    await env.close();
  });

  it('drops the pending retry', async () => {
    const { env, log, close } = await setUp('flaky');
    expect(log.started).toBe(1);
    await close();
    await env.advance('10m');
    expect(log.started).toBe(1);
    await env.close();
  });

  it('drops the pending retry of a run evicted while it waits for it', async () => {
    const { env, log, close } = await setUp('flaky', 1);
    // A second workflow takes the one resident place.
    const { waitsOnHang } = activities();
    await env.engine.start(waitsOnHang.name, null, { workflowId: 'other' });
    await env.idle();
    expect((await env.engine.getHandle('w').describe()).residency).toBe('suspended');
    await close();
    await env.advance('10m');
    expect(log.started).toBe(2); // w's first attempt and other's
    await env.close();
  });
});
