// Window: a call issued in the same tick as shutdown(). signal() and cancel() never settled, and
// start() rejected with the actors package's internal NoProcError. Each must now settle: done, or
// EngineClosedError.
import { defineWorkflow } from '@reprise/core';
import { EngineClosedError } from '@reprise/engine';
import { createTestEngine } from '@reprise/testkit';

const waiter = defineWorkflow('waiter', async (ctx) => ctx.waitForSignal('go'));

/** Settles `promise` into 'done' or the error's class name, so a hang fails the test by timeout. */
const outcome = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'done',
    (error: unknown) => (error instanceof EngineClosedError ? 'EngineClosedError' : String(error)),
  );

async function openRun() {
  const env = await createTestEngine({ workflows: [waiter] });
  const handle = await env.engine.start(waiter, null, { workflowId: 'racer' });
  await env.idle();
  return { env, handle };
}

it('signal() in the same tick as shutdown() settles', async () => {
  const { env, handle } = await openRun();
  const signalled = outcome(handle.signal('go', 1));
  const closed = env.engine.shutdown();
  expect(['done', 'EngineClosedError']).toContain(await signalled);
  await closed;
});

it('cancel() in the same tick as shutdown() settles', async () => {
  const { env, handle } = await openRun();
  const cancelled = outcome(handle.cancel('racing'));
  const closed = env.engine.shutdown();
  expect(['done', 'EngineClosedError']).toContain(await cancelled);
  await closed;
});

it('start() in the same tick as shutdown() rejects with EngineClosedError or starts', async () => {
  const { env } = await openRun();
  const started = outcome(env.engine.start(waiter, null, { workflowId: 'late' }));
  const closed = env.engine.shutdown();
  expect(['done', 'EngineClosedError']).toContain(await started);
  await closed;
});

it.each(['fail', 'useExisting'] as const)(
  'a second start() of the id, waiting for the first, in the same tick as shutdown() settles too (%s)',
  async (onConflict) => {
    const { env } = await openRun();
    const first = outcome(env.engine.start(waiter, null, { workflowId: 'late' }));
    const second = outcome(env.engine.start(waiter, null, { workflowId: 'late', onConflict }));
    const closed = env.engine.shutdown();
    expect(['done', 'EngineClosedError']).toContain(await first);
    expect(['done', 'EngineClosedError']).toContain(await second);
    await closed;
  },
);

it('start() just after shutdown() began rejects with EngineClosedError', async () => {
  const { env } = await openRun();
  const closed = env.engine.shutdown();
  expect(await outcome(env.engine.start(waiter, null, { workflowId: 'later' }))).toBe('EngineClosedError');
  await closed;
});
