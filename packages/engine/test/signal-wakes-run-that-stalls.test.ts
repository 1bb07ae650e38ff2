// Window: a signal (or query) arrives for a run out of memory, and the replay that brings the run
// back stalls on non-determinism. The signal is recorded for the stalled run (still open: fixed
// code resumes it and sees the signal) and its sender's call resolves; a query fails with
// WorkflowStalledError. Neither hangs.
import { createTestEngine } from '@reprise/testkit';
import { divergence, echo, engineWithFixedCode, fickle, idler } from './fixtures/diverging-workflow.js';
import { reopenable } from './helpers.js';

afterEach(() => {
  divergence.on = false;
});

describe.each([
  ['evicted', { maxResident: 1 }],
  ['hibernated', { hibernateAfter: 0 }],
] as const)('a run %s', (residency, options) => {
  async function outOfMemoryRun() {
    const { open } = reopenable();
    const env = await createTestEngine({
      workflows: [fickle, idler],
      activities: [echo],
      store: open(),
      logger: { warn: () => {} },
      ...options,
    });
    const handle = await env.engine.start(fickle, null, { workflowId: 'f' });
    await env.idle();
    await env.engine.start(idler, null, { workflowId: 'i' });
    await env.idle();
    expect((await handle.describe()).residency).toBe(residency === 'evicted' ? 'suspended' : 'hibernated');
    divergence.on = true;
    return { env, handle, open };
  }

  it('records a signal that wakes it into a stall, and the signal reaches the fixed code', async () => {
    const { env, handle, open } = await outOfMemoryRun();
    await handle.signal('go', 'hello');
    expect((await handle.describe()).stalled).toMatchObject({ position: 0 });
    const signals = (await handle.history()).filter((event) => event.type === 'SignalReceived');
    expect(signals).toMatchObject([{ signalName: 'go', payload: 'hello' }]);
    // A second signal to the stalled run is recorded too, and resolves.
    await handle.signal('go', 'again');
    expect((await handle.history()).filter((event) => event.type === 'SignalReceived')).toHaveLength(2);
    await env.close();

    const fixed = await engineWithFixedCode(open(), env.clock.now());
    expect(await fixed.engine.getHandle('f').result()).toBe('hello');
    await fixed.close();
  });

  it('fails a query that wakes it into a stall, and one asked together with a signal', async () => {
    const { env, handle } = await outOfMemoryRun();
    const [signalled, queried] = await Promise.allSettled([
      handle.signal('go', 'hello'),
      handle.query('shape'),
    ]);
    expect(signalled.status).toBe('fulfilled');
    expect(queried).toMatchObject({ status: 'rejected', reason: { code: 'workflow_stalled' } });
    const error = await handle.query('shape').catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({
      name: 'WorkflowStalledError',
      code: 'workflow_stalled',
      workflowId: 'f',
      position: 0,
    });
    expect((error as Error).message).toContain('command #0');
    await env.close();
  });
});
