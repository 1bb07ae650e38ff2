// Window: a parent's last step started a child (ChildWorkflowStarted) and ended, then the process
// died before the child's own WorkflowStarted. Recovery still starts the child, exactly once.
import { defineWorkflow, type WorkflowId, type WorkflowStore } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';
import { lmdbDir, lmdbEngine, openStore } from './fixtures/lmdb-env.js';

const kid = defineWorkflow('kid', async (_ctx, n: number) => n + 1);
const launcher = defineWorkflow('launcher', async (ctx) => {
  await ctx.startChild(kid, 41, { workflowId: 'kid', parentClosePolicy: 'abandon' });
  return 'x';
});
const relay = defineWorkflow('relay', async (ctx, round: number) => {
  await ctx.startChild(kid, round, { workflowId: `kid-${round}`, parentClosePolicy: 'abandon' });
  if (round < 1) await ctx.continueAsNew(round + 1);
  return round;
});

/** The LMDB store in `dir`; the first append to `diesAt` fails as if the process died there. */
function dyingAt(dir: string, diesAt: string) {
  const inner = openStore(dir);
  let died!: () => void;
  const death = new Promise<void>((resolve) => {
    died = resolve;
  });
  let dead = false;
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'append') {
        return (...args: Parameters<WorkflowStore['append']>) => {
          if (dead || args[0] === diesAt) {
            dead = true;
            died();
            return Promise.reject(new Error('the process died here'));
          }
          return target.append(...args);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, death };
}

it('recovery starts a child recorded by the step that ended its parent', async () => {
  const dir = lmdbDir();
  const { store, death } = dyingAt(dir, 'kid');
  const first = await createTestEngine({ workflows: [launcher, kid], store, logger: { warn: () => {} } });
  await first.engine.start(launcher, null, { workflowId: 'p' });
  await death;
  await first.close();

  const second = await lmdbEngine(dir, { workflows: [launcher, kid] });
  // The parent closes once its child has started.
  expect(await second.engine.getHandle('p').result()).toBe('x');
  expect(await second.engine.getHandle('kid').result()).toBe(42);
  const kidHistory = await second.engine.getHandle('kid').history();
  expect(kidHistory.filter((event) => event.type === 'WorkflowStarted')).toHaveLength(1);
  const parentHistory = await second.engine.getHandle('p').history();
  expect(parentHistory.filter((event) => event.type === 'WorkflowCompleted')).toHaveLength(1);
  await second.close();

  // A third start finds nothing left to do.
  const third = await lmdbEngine(dir, { workflows: [launcher, kid] });
  await third.idle();
  expect(await third.engine.getHandle('kid').history()).toEqual(kidHistory);
  await third.close();
});

it('recovery starts a child recorded by the step that continued its parent as new', async () => {
  const dir = lmdbDir();
  const { store, death } = dyingAt(dir, 'kid-0');
  const first = await createTestEngine({ workflows: [relay, kid], store, logger: { warn: () => {} } });
  await first.engine.start(relay, 0, { workflowId: 'r' });
  await death;
  await first.close();

  const second = await lmdbEngine(dir, { workflows: [relay, kid] });
  expect(await second.engine.getHandle('r').result()).toBe(1);
  expect(await second.engine.getHandle('kid-0').result()).toBe(1);
  expect(await second.engine.getHandle('kid-1').result()).toBe(2);
  const stored = second.engine.store;
  const starts = (await stored.readHistory('kid-0' as WorkflowId)).filter(
    (event) => event.type === 'WorkflowStarted',
  );
  expect(starts).toHaveLength(1);
  await second.close();
});
