// The JSON the pages read: runs page by page through cursors, with counts per status and a
// start-time filter; a run with its children, its parent and its timeline in core's words.
import { defineWorkflow } from '@reprise/core';
import { createTestEngine, type TestEngine } from '@reprise/testkit';
import { serveUi, type UiServer } from '@reprise/ui';

const leaf = defineWorkflow('leaf', async (_ctx, n: number) => n * 2);
const parent = defineWorkflow('parent', async (ctx) => {
  const a = await ctx.child(leaf, 1, { workflowId: 'parent-child-1' });
  const b = await ctx.child(leaf, 2, { workflowId: 'parent-child-2' });
  return a + b;
});

let env: TestEngine;
let ui: UiServer;

beforeAll(async () => {
  env = await createTestEngine({ workflows: [leaf, parent] });
  for (let n = 0; n < 23; n++) {
    await (await env.engine.start(leaf, n, { workflowId: `leaf-${String(n).padStart(2, '0')}` })).result();
    await env.advance('1m');
  }
  await (await env.engine.start(parent, null, { workflowId: 'parent' })).result();
  ui = await serveUi(env.engine, { port: 0 });
});

afterAll(async () => {
  await ui?.close();
  await env?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: the test reads the page's JSON as it comes
const get = async (path: string): Promise<any> => (await fetch(new URL(path, ui.url))).json();

describe('the runs API', () => {
  it('pages through every run by cursor, each once, newest first, with counts per status', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await get(
        `/api/runs?type=leaf&limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.counts).toMatchObject({ Completed: 25, Running: 0 });
      seen.push(...page.items.map((item: { workflowId: string }) => item.workflowId));
      cursor = page.cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => id.startsWith('leaf-'))).toEqual(
      Array.from({ length: 23 }, (_, n) => `leaf-${String(22 - n).padStart(2, '0')}`),
    );
  });

  it('filters by start time', async () => {
    const startOf = async (id: string) => (await get(`/api/runs/${id}`)).description.startedAt as number;
    const after = new Date(await startOf('leaf-19')).toISOString();
    const page = await get(`/api/runs?type=leaf&startedAfter=${encodeURIComponent(after)}`);
    // The children started at the same virtual instant; rows of one instant go by id.
    expect(page.items.map((item: { workflowId: string }) => item.workflowId).sort()).toEqual([
      'leaf-20',
      'leaf-21',
      'leaf-22',
      'parent-child-1',
      'parent-child-2',
    ]);
  });

  it("shows a run's children, a child's parent, and the timeline in core's words", async () => {
    const run = await get('/api/runs/parent');
    expect(run.children.map((child: { workflowId: string }) => child.workflowId)).toEqual([
      'parent-child-1',
      'parent-child-2',
    ]);
    expect(run.outcome).toEqual({ status: 'Completed', result: 6 });
    expect(run.timeline.items.map((item: { type: string }) => item.type)).toContain('ChildWorkflowCompleted');
    expect(run.timeline.items[0].text).toMatch(/^WorkflowStarted parent /);
    expect(run.timeline.lines.join('\n')).toContain('ChildWorkflowStarted');
    const child = await get('/api/runs/parent-child-1');
    expect(child.parent).toMatchObject({ workflowId: 'parent' });
    expect(child.input).toBe(1);
  });
});
