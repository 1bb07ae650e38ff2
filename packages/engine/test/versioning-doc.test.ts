// docs/versioning.md, run as written: the `order` workflow of its worked example goes from v1
// to v4 (a patch added, deprecated, removed) under runs in flight, each step as the doc tells it.
// The doc quotes the code of each version verbatim from fixtures/versioning-doc.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonValue, WorkflowDefinition, WorkflowEvent } from '@reprise/core';
import { createTestEngine, replayHistories, type TestEngine } from '@reprise/testkit';
import { activities, v1, v2, v2Unpatched, v3, v4 } from './fixtures/versioning-doc.js';
import { reopenable } from './helpers.js';

const ROOT = join(__dirname, '../../..');
const doc = readFileSync(join(ROOT, 'docs/versioning.md'), 'utf8');
const fixture = readFileSync(join(__dirname, 'fixtures/versioning-doc.ts'), 'utf8');

/** A region of the fixture, without its two spaces of indent: what the doc must quote. */
function region(name: string): string {
  const match = new RegExp(`// #region ${name}\\n([\\s\\S]*?)// #endregion ${name}`).exec(fixture);
  if (!match?.[1]) throw new Error(`no region ${name}`);
  return match[1]
    .split('\n')
    .map((line) => line.replace(/^ {2}/, ''))
    .join('\n')
    .trim();
}

const activitiesRun = (history: readonly WorkflowEvent[]) =>
  history.flatMap((event) => (event.type === 'ActivityScheduled' ? [event.activityType] : []));
const markers = (history: readonly WorkflowEvent[]) =>
  history.flatMap((event) =>
    event.type === 'PatchMarker' ? [`${event.patchId}${event.deprecated ? ' (deprecated)' : ''}`] : [],
  );

it('quotes each version of the example as the test runs it', () => {
  for (const name of ['v1', 'v2', 'v3', 'v4']) expect(doc).toContain(region(name));
});

it('takes the example from v1 to v4 with runs in flight at every deploy', async () => {
  const data = reopenable();
  let env: TestEngine | undefined;
  const deploy = async (order: WorkflowDefinition<JsonValue, unknown>) => {
    await env?.close();
    env = await createTestEngine({ store: data.open(), workflows: [order], activities });
    return env.engine;
  };
  const history = (id: string) => (env as TestEngine).engine.getHandle(id).history();
  const signal = async (id: string, name: string) => {
    await (env as TestEngine).engine.getHandle(id).signal(name, null);
    await (env as TestEngine).idle();
  };

  // Step 1, v1 in production: order-a waits to be paid; order-b is paid and shipped, and waits
  // to be delivered.
  let engine = await deploy(v1 as WorkflowDefinition<JsonValue, unknown>);
  for (const id of ['order-a', 'order-b']) await engine.start(v1, id, { workflowId: id });
  await signal('order-b', 'paid');

  // Step 2, before deploying v2: the histories of the runs in flight replay against it. The
  // unpatched edit would stall order-b (it shipped without a check); the patched one replays.
  const inFlight = [await history('order-a'), await history('order-b')];
  const unpatched = await replayHistories([v2Unpatched], inFlight);
  expect(unpatched.results.map((result) => result.ok)).toEqual([true, false]);
  expect(unpatched.summary).toMatch(
    /recorded ActivityScheduled ship .*, code asked for ActivityScheduled checkFraud/,
  );
  // The doc prints the line `reprise replay` gives for it.
  const failure = unpatched.results[1] as unknown as { seq?: number; error: { position: number } };
  expect(doc).toContain(`at command #${failure.error.position} (event seq ${failure.seq})`);
  expect((await replayHistories([v2], inFlight)).ok).toBe(true);

  // Step 2, v2 deployed: order-a reaches the patch now and takes the check; order-b had passed
  // it, keeps its old branch and finishes; a new run takes the check.
  engine = await deploy(v2 as WorkflowDefinition<JsonValue, unknown>);
  await signal('order-a', 'paid');
  await signal('order-b', 'delivered');
  await engine.start(v2, 'order-c', { workflowId: 'order-c' });
  await signal('order-c', 'paid');
  expect(await engine.getHandle('order-b').result()).toBe('shipped order-b');
  expect(activitiesRun(await history('order-b'))).toEqual(['reserve', 'ship']);
  for (const id of ['order-a', 'order-c']) {
    expect(activitiesRun(await history(id))).toEqual(['reserve', 'checkFraud', 'ship']);
    expect(markers(await history(id))).toEqual(['fraud-check']);
  }

  // Step 3, v3: no open run took the old branch any more (order-b is done), so the patch is
  // deprecated: the open runs replay, and new ones record the marker as deprecated.
  expect((await replayHistories([v3], [await history('order-a'), await history('order-c')])).ok).toBe(true);
  engine = await deploy(v3 as WorkflowDefinition<JsonValue, unknown>);
  await engine.start(v3, 'order-d', { workflowId: 'order-d' });
  await signal('order-d', 'paid');
  await signal('order-a', 'delivered');
  expect(await engine.getHandle('order-a').result()).toBe('shipped order-a');
  expect(markers(await history('order-d'))).toEqual(['fraud-check (deprecated)']);

  // Step 4, v4: every open run has the marker (order-c from v2, order-d from v3); the call goes.
  expect((await replayHistories([v4], [await history('order-c'), await history('order-d')])).ok).toBe(true);
  engine = await deploy(v4 as WorkflowDefinition<JsonValue, unknown>);
  for (const id of ['order-c', 'order-d']) {
    await signal(id, 'delivered');
    expect(await engine.getHandle(id).result()).toBe(`shipped ${id}`);
  }
  await engine.start(v4, 'order-e', { workflowId: 'order-e' });
  await signal('order-e', 'paid');
  expect(markers(await history('order-e'))).toEqual([]);
  expect(activitiesRun(await history('order-e'))).toEqual(['reserve', 'checkFraud', 'ship']);
  await env?.close();
});
