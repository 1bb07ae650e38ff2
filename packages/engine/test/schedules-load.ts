// Many schedules firing every second on the virtual clock: the scenario of the load test and
// its soak version (the figures come from bench/schedules).
import { defineWorkflow } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';
import { startedBy } from './schedules-helpers.js';

const tick = defineWorkflow('tick', async (_ctx, n: number) => n);

/** What the store and the schedules show after `seconds` of `count` schedules firing every second. */
export async function runScheduleLoad(count: number, seconds: number) {
  const env = await createTestEngine({ workflows: [tick] });
  for (let index = 0; index < count; index++) {
    await env.engine.schedules.create({
      scheduleId: `s${index}`,
      spec: { every: '1s' },
      workflowType: 'tick',
      input: index,
    });
  }
  await env.advance(seconds * 1000);
  const store = env.engine.store;
  const outcome = {
    workflows: await store.count(),
    completed: await store.count({ status: 'Completed' }),
    running: await store.count({ status: 'Running' }),
    firstSchedule: (await startedBy(store, 's0')).length,
    lastSchedule: (await startedBy(store, `s${count - 1}`)).length,
    schedules: (await env.engine.schedules.list()).length,
    kept: await Promise.all(
      [0, count - 1].map(async (index) => {
        const described = await env.engine.schedules.describe(`s${index}`);
        return {
          recent: described.recentActions.length,
          waiting: described.waiting.length,
          open: described.openWorkflows.length,
        };
      }),
    ),
  };
  await env.close();
  return outcome;
}
