// `list` and `count` filter by start and close times; `list --cursor` pages through every row
// once; `--all-runs` shows each run of an id; a worker marks stalled runs; piped output has no
// colour codes.
import { asRunId, asWorkflowId, envelopeEvents } from '@reprise/core';
import { openLmdbStore } from '@reprise/store-lmdb';
import {
  CLI_TEST_TIMEOUT_MS,
  eventually,
  reprise,
  SHOP,
  SHOP_CHANGED,
  seedWorkflows,
  spawnReprise,
  tempData,
} from './cli-process.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

const data = tempData();
afterAll(() => data.remove());
const at = (...args: string[]) => [...args, '--data', data.path];

const T0 = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  // Started an hour apart; the even ones completed a second after they started.
  await seedWorkflows(
    data.path,
    Array.from({ length: 7 }, (_, n) => ({
      id: `w${n}`,
      type: n < 4 ? 'early' : 'late',
      startedAt: T0 + n * HOUR,
      completed: n % 2 === 0,
    })),
  );
  // One id with two runs: the first continued as new into the second.
  const store = openLmdbStore({ path: data.path, noSync: true });
  try {
    const id = asWorkflowId('looper');
    await store.append(
      id,
      envelopeEvents(id, 0, T0 + 10 * HOUR, [
        {
          type: 'WorkflowStarted',
          workflowType: 'loop',
          input: 1,
          runId: asRunId('first'),
          parentRunId: null,
        },
        { type: 'WorkflowContinuedAsNew', input: 2, parentRunId: asRunId('first') },
        {
          type: 'WorkflowStarted',
          workflowType: 'loop',
          input: 2,
          runId: asRunId('second'),
          parentRunId: asRunId('first'),
        },
      ]),
      { expectedSeq: 0 },
    );
  } finally {
    await store.close();
  }
});

const ids = async (...args: string[]) => {
  const result = await reprise(at('list', '--json', '--limit', '100', ...args));
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return (JSON.parse(result.stdout) as { items: { workflowId: string }[] }).items.map(
    (row) => row.workflowId,
  );
};
const count = async (...args: string[]) => {
  const result = await reprise(at('count', '--json', ...args));
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return (JSON.parse(result.stdout) as { count: number }).count;
};

it('filters by start and close time, as ISO times or epoch ms, and counts the same rows', async () => {
  expect(await ids('--started-after', iso(T0 + 3 * HOUR), '--started-before', iso(T0 + 6 * HOUR))).toEqual([
    'w5',
    'w4',
  ]);
  expect(await ids('--closed-after', String(T0 + 2 * HOUR))).toEqual(['w6', 'w4', 'w2']);
  expect(await ids('--closed-before', iso(T0 + 3 * HOUR), '--type', 'early')).toEqual(['w2', 'w0']);
  expect(await count('--started-after', iso(T0 + 3 * HOUR), '--started-before', iso(T0 + 6 * HOUR))).toBe(2);
  expect(await count('--closed-after', String(T0 + 2 * HOUR))).toBe(3);
  expect(await count()).toBe(8);
  expect(await count('--type', 'late', '--status', 'running')).toBe(1);
  expect((await reprise(at('count', '--type', 'early'))).stdout).toBe('4\n');
  // Every run so far started long ago: "started in the last hour" matches none.
  expect(await ids('--started-after', '1h')).toEqual([]);

  const bad = await reprise(at('list', '--started-after', 'yesterday-ish'));
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/^reprise: --started-after "yesterday-ish" is not a time/);
});

it('pages with --cursor through every row once, and prints the next cursor', async () => {
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const result = await reprise(
      at('list', '--json', '--limit', '3', ...(cursor ? ['--cursor', cursor] : [])),
    );
    const page = JSON.parse(result.stdout) as { items: { workflowId: string }[]; cursor?: string };
    seen.push(...page.items.map((row) => row.workflowId));
    cursor = page.cursor;
    pages += 1;
  } while (cursor && pages < 10);
  expect(seen).toEqual(['looper', 'w6', 'w5', 'w4', 'w3', 'w2', 'w1', 'w0']);

  const table = await reprise(at('list', '--limit', '3'));
  const next = /^\(next page: --cursor (\S+)\)$/m.exec(table.stdout)?.[1];
  expect(next).toBeDefined();
  const second = await reprise(at('list', '--limit', '3', '--cursor', next as string));
  expect(second.stdout.split('\n')[1]).toMatch(/^w4\s/);
  expect(second.stdout + table.stdout).not.toContain('\u001b[');
});

it('--all-runs shows each run of an id, newest first, with its own status', async () => {
  const result = await reprise(at('list', '--all-runs', '--type', 'loop', '--json'));
  const runs = (JSON.parse(result.stdout) as { items: { runId: string; status: string }[] }).items;
  expect(runs.map((run) => [run.runId, run.status])).toEqual([
    ['second', 'Running'],
    ['first', 'ContinuedAsNew'],
  ]);
  const table = await reprise(at('list', '--all-runs', '--type', 'loop'));
  expect(table.stdout).toMatch(/^looper\s+second\s+loop\s+Running\s/m);
  expect(table.stdout).toMatch(/^looper\s+first\s+loop\s+ContinuedAsNew\s/m);
});

it('marks a run a worker found stalled', async () => {
  const recorded = await reprise(
    at('start', 'checkout', '--module', SHOP, '--id', 'stuck', '--input', '{"sku":"S","amount":1}'),
  );
  expect(recorded.code).toBe(0);
  // The old code runs it until it waits for approval.
  const first = spawnReprise(at('worker', SHOP));
  try {
    await first.waitFor(/^worker ready on /);
    await eventually(async () => (await reprise(at('show', 'stuck'))).stdout.includes('TimerStarted'));
  } finally {
    first.child.kill('SIGINT');
  }
  expect(await first.exited).toBe(0);
  // The changed code cannot replay it: the run stalls, and list says so.
  const second = spawnReprise(at('worker', SHOP_CHANGED));
  try {
    await second.waitFor(/^worker ready on /);
    const list = await reprise(at('list', '--type', 'checkout'));
    expect(list.stdout).toMatch(/^stuck\s+checkout\s+Stalled\s/m);
    expect(list.stdout).toMatch(/^\(stuck is stalled: /m);
    const json = JSON.parse((await reprise(at('list', '--type', 'checkout', '--json'))).stdout) as {
      items: { status: string; stalled?: { reason: string } }[];
    };
    expect(json.items[0]).toMatchObject({ status: 'Running', stalled: { reason: expect.any(String) } });
  } finally {
    second.child.kill('SIGINT');
  }
  expect(await second.exited).toBe(0);
});
