// engine.supervisionTree(): the read-only view the web UI draws — which runs have an actor,
// which are hibernated or evicted, and how often a type's run actors were restarted.
import { defineWorkflow, InMemoryStore, type WorkflowStore } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';
import { inbox } from './helpers.js';

const napper = defineWorkflow('napper', async (ctx) => {
  await ctx.sleep('1h');
  return 'rested';
});

const twoNaps = defineWorkflow('twoNaps', async (ctx) => {
  await ctx.sleep('1h');
  await ctx.sleep('1h');
  return 'rested twice';
});

/** An in-memory store whose next append fails once when armed: an engine fault for the run. */
function flakyStore(): { store: WorkflowStore; failNextAppend(): void } {
  const inner = new InMemoryStore();
  let armed = false;
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'append')
        return (...args: Parameters<InMemoryStore['append']>) => {
          if (armed) {
            armed = false;
            return Promise.reject(new Error('disk unavailable'));
          }
          return target.append(...args);
        };
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, failNextAppend: () => (armed = true) };
}

describe('engine.supervisionTree()', () => {
  it('shows one supervisor per type and each run as resident, then suspended once evicted', async () => {
    const env = await createTestEngine({ workflows: [inbox, napper], maxResident: 1 });
    await env.engine.start(inbox, null, { workflowId: 'a' });
    await env.idle();
    let tree = env.engine.supervisionTree();
    expect(tree.root.strategy).toBe('one_for_one');
    expect(tree.root.pid).toBeDefined();
    expect(tree.types.map((type) => type.workflowType)).toEqual(['inbox', 'napper']);
    const inboxType = () => tree.types.find((type) => type.workflowType === 'inbox');
    expect(inboxType()?.runs).toEqual([
      expect.objectContaining({ workflowId: 'a', residency: 'resident', restarts: 0 }),
    ]);
    expect(inboxType()?.runs[0]?.pid).toBeDefined();

    // Starting b evicts a (maxResident 1): a keeps its place in the table, without an actor.
    await env.engine.start(inbox, null, { workflowId: 'b' });
    await env.idle();
    tree = env.engine.supervisionTree();
    const residency = Object.fromEntries(
      inboxType()?.runs.map((run) => [run.workflowId, run.residency]) ?? [],
    );
    expect(residency).toEqual({ a: 'suspended', b: 'resident' });
    expect(inboxType()?.runs.find((run) => run.workflowId === 'a')?.pid).toBeUndefined();

    // A closed run leaves the tree.
    await env.engine.getHandle('b').signal('message', 'stop');
    await env.engine.getHandle('b').result();
    tree = env.engine.supervisionTree();
    expect(inboxType()?.runs.map((run) => run.workflowId)).toEqual(['a']);
    await env.close();
  });

  it('shows a hibernated run as hibernated, with its pid', async () => {
    const env = await createTestEngine({ workflows: [napper], hibernateAfter: 0 });
    await env.engine.start(napper, null, { workflowId: 'n' });
    await env.idle();
    await env.advance('1s');
    const [run] = env.engine.supervisionTree().types[0]?.runs ?? [];
    expect(run).toEqual(expect.objectContaining({ workflowId: 'n', residency: 'hibernated' }));
    expect(run?.pid).toBeDefined();
    await env.close();
  });

  it('counts a run actor restarted after an engine fault, per run and in the intensity in use', async () => {
    const { store, failNextAppend } = flakyStore();
    const env = await createTestEngine({ workflows: [twoNaps], store });
    await env.engine.start(twoNaps, null, { workflowId: 'n' });
    await env.idle();
    const before = env.engine.supervisionTree().types[0]?.runs[0]?.pid;
    expect(before).toBeDefined();
    failNextAppend();
    // The first timer fires; the run's append of that step fails; its actor crashes, and its
    // supervisor restarts it (after a 50 ms backoff), which replays and records the step.
    await env.advance('1h');
    await env.advance('1s');
    await env.idle();
    let type = env.engine.supervisionTree().types[0];
    expect(type?.restarts).toBe(1);
    expect(type?.recentRestarts).toBe(1);
    expect(type?.runs).toEqual([
      expect.objectContaining({ workflowId: 'n', restarts: 1, residency: 'resident' }),
    ]);
    expect(type?.runs[0]?.pid).not.toBe(before);
    await env.advance('1h');
    expect(await env.engine.getHandle('n').result()).toBe('rested twice');
    type = env.engine.supervisionTree().types[0];
    expect(type?.recentRestarts).toBe(0);
    expect(type?.restarts).toBe(1);
    await env.close();
  });
});
