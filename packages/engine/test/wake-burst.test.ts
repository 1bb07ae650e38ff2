// A burst of input for many more runs out of memory than replay at once (residency lets a few
// replay at a time, the others wait in line with their input held): every run takes its input,
// and a shutdown during the burst answers every caller instead of leaving some waiting forever.
import { defineWorkflow } from '@reprise/core';
import { EngineClosedError } from '@reprise/engine';
import { createTestEngine } from '@reprise/testkit';

const waiter = defineWorkflow('waiter', async (ctx) => ctx.waitForSignal<number>('wake'));

/** Far more than replay at once. */
const RUNS = 300;

async function waitingRuns(options: { hibernateAfter?: number; maxResident?: number }) {
  const env = await createTestEngine({ workflows: [waiter], ...options });
  for (let i = 0; i < RUNS; i++) await env.engine.start(waiter, null, { workflowId: `w-${i}` });
  await env.idle();
  return env;
}

describe('a burst of input for runs out of memory', () => {
  it.each([
    ['hibernated', { hibernateAfter: 0 }],
    ['suspended (evicted)', { maxResident: 5 }],
  ])('every %s run takes its signal and completes', async (_kind, options) => {
    const env = await waitingRuns(options);
    await Promise.all(
      Array.from({ length: RUNS }, (_, i) => env.engine.getHandle(`w-${i}`).signal('wake', i)),
    );
    const results = await Promise.all(
      Array.from({ length: RUNS }, (_, i) => env.engine.getHandle(`w-${i}`).result()),
    );
    expect(results).toEqual(Array.from({ length: RUNS }, (_, i) => i));
    await env.close();
  });

  it('a shutdown during the burst answers every signal: recorded, or refused as the engine closed', async () => {
    const env = await waitingRuns({ maxResident: 5 });
    const signals = Array.from({ length: RUNS }, (_, i) =>
      env.engine
        .getHandle(`w-${i}`)
        .signal('wake', i)
        .then(
          () => 'recorded',
          (error: unknown) => (error instanceof EngineClosedError ? 'refused' : error),
        ),
    );
    await env.engine.shutdown();
    const outcomes = await Promise.all(signals);
    expect(outcomes.filter((outcome) => outcome !== 'recorded' && outcome !== 'refused')).toEqual([]);
    await env.close();
  });
});
