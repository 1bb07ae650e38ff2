// Window: a parent id the engine accepted (330 CJK characters, 990 UTF-8 bytes) gave its child a
// default id over the LMDB store's 1,000-byte key limit; the child start was refused by the store
// and the parent stayed Running forever. An explicit child id '' was accepted.
import { defineWorkflow, isValidWorkflowId } from '@reprise/core';
import { openLmdbStore } from '@reprise/store-lmdb';
import { createTestEngine } from '@reprise/testkit';
import { tempDirs } from '@reprise/testkit/internal';

const child = defineWorkflow('child', async (_ctx, input: string) => `child got ${input}`);
const parent = defineWorkflow('parent', async (ctx, childId: string | null) => {
  try {
    return await ctx.child(child, 'hi', childId === null ? {} : { workflowId: childId });
  } catch (error) {
    return `${(error as Error).name}: ${(error as { code?: string }).code}`;
  }
});

const dirs = tempDirs('child-id-over-store-limit');
afterAll(() => dirs.removeAll());
let dir: string;
beforeEach(() => {
  dir = dirs.make();
});

it('a parent with a 330-CJK-character id starts its default-id child on LMDB, and both end', async () => {
  const env = await createTestEngine({ workflows: [parent, child], store: openLmdbStore({ path: dir }) });
  try {
    const parentId = '漢'.repeat(330);
    const handle = await env.engine.start(parent, null, { workflowId: parentId });
    await env.idle();
    expect(await handle.result()).toBe('child got hi');
    const started = (await handle.history()).find((event) => event.type === 'ChildWorkflowStarted');
    const childWorkflowId = (started as { childWorkflowId: string }).childWorkflowId;
    expect(isValidWorkflowId(childWorkflowId)).toBe(true);
    expect(new TextEncoder().encode(childWorkflowId).length).toBeLessThanOrEqual(1000);
  } finally {
    await env.close();
  }
});

it.each([
  ['empty', ''],
  ['over 1,000 UTF-8 bytes', '漢'.repeat(334)],
])(
  'an explicit child id that is %s is refused in the parent with a typed error, nothing recorded',
  async (_name, childId) => {
    const env = await createTestEngine({ workflows: [parent, child], store: openLmdbStore({ path: dir }) });
    try {
      const handle = await env.engine.start(parent, childId, { workflowId: 'parent-of-bad-id' });
      await env.idle();
      expect(await handle.result()).toBe('InvalidArgumentError: invalid_argument');
      const types = (await handle.history()).map((event) => event.type);
      expect(types).not.toContain('ChildWorkflowStarted');
    } finally {
      await env.close();
    }
  },
);

it('a parent id over 1,000 UTF-8 bytes is refused at start', async () => {
  const env = await createTestEngine({ workflows: [parent, child], store: openLmdbStore({ path: dir }) });
  try {
    await expect(env.engine.start(parent, null, { workflowId: '漢'.repeat(334) })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  } finally {
    await env.close();
  }
});
