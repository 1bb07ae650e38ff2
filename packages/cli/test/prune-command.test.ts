// `reprise prune --closed-before`: a dry run deletes nothing and says what it would; a prune
// deletes closed workflows of the type asked for, holding the directory when no worker runs and
// through the worker when one does; open workflows stay.
import {
  CLI_TEST_TIMEOUT_MS,
  eventually,
  reprise,
  seedWorkflows,
  spawnReprise,
  tempData,
} from './cli-process.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

const DESK = 'packages/cli/test/fixtures/desk.ts';
const data = tempData();
afterAll(() => data.remove());
const at = (...args: string[]) => [...args, '--data', data.path];

const T0 = Date.parse('2026-01-01T00:00:00Z');
const DAY = 86_400_000;

beforeAll(async () => {
  // Each completes a second after it starts, a day apart; open-1 never completes.
  await seedWorkflows(data.path, [
    { id: 'old-order', type: 'order', startedAt: T0, completed: true },
    { id: 'old-refund', type: 'refund', startedAt: T0 + DAY, completed: true },
    { id: 'open-1', type: 'order', startedAt: T0 + DAY },
    { id: 'new-order', type: 'order', startedAt: T0 + 10 * DAY, completed: true },
  ]);
});

const ids = async () =>
  (JSON.parse((await reprise(at('list', '--json'))).stdout) as { items: { workflowId: string }[] }).items
    .map((row) => row.workflowId)
    .sort();

it('dry-runs, filters by type, deletes, and goes through a worker when one runs', async () => {
  const cutoff = new Date(T0 + 5 * DAY).toISOString();
  const dry = await reprise(at('prune', '--closed-before', cutoff, '--dry-run', '--json'));
  expect(dry).toMatchObject({ code: 0, stderr: '' });
  expect(JSON.parse(dry.stdout)).toEqual({ deleted: ['old-refund', 'old-order'], dryRun: true });
  expect((await reprise(at('prune', '--closed-before', cutoff, '--dry-run'))).stdout).toMatch(
    /^would delete 2 workflow\(s\) closed before /,
  );
  expect(await ids()).toEqual(['new-order', 'old-order', 'old-refund', 'open-1']);

  const refunds = await reprise(at('prune', '--closed-before', cutoff, '--type', 'refund', '--json'));
  expect(JSON.parse(refunds.stdout)).toEqual({ deleted: ['old-refund'], dryRun: false });
  expect(await ids()).toEqual(['new-order', 'old-order', 'open-1']);
  expect((await reprise(at('show', 'old-refund'))).code).toBe(3);

  const worker = spawnReprise(at('worker', DESK));
  try {
    await worker.waitFor(/^worker ready on /);
    const pruned = await reprise(at('prune', '--closed-before', String(T0 + 20 * DAY)));
    expect(pruned).toMatchObject({ code: 0, stderr: '' });
    expect(pruned.stdout).toMatch(/^deleted 2 workflow\(s\) closed before /);
    await worker.waitFor(/^worker: prune closed before /);
  } finally {
    worker.child.kill('SIGINT');
  }
  expect(await worker.exited).toBe(0);
  expect(await ids()).toEqual(['open-1']);

  expect((await reprise(at('prune', '--closed-before', 'someday'))).code).toBe(2);
  expect((await reprise(at('prune'))).code).toBe(2);
});

it('a worker with --retention deletes closed workflows older than that on its own', async () => {
  const own = tempData();
  try {
    await seedWorkflows(own.path, [
      { id: 'ancient', type: 'order', startedAt: T0, completed: true },
      { id: 'still-open', type: 'order', startedAt: T0 },
    ]);
    const worker = spawnReprise(['worker', DESK, '--retention', '1d', '--data', own.path]);
    try {
      await worker.waitFor(/^worker ready on /);
      await eventually(async () => (await reprise(['count', '--data', own.path])).stdout === '1\n');
      const left = JSON.parse((await reprise(['list', '--json', '--data', own.path])).stdout) as {
        items: { workflowId: string }[];
      };
      expect(left.items.map((row) => row.workflowId)).toEqual(['still-open']);
    } finally {
      worker.child.kill('SIGINT');
    }
    expect(await worker.exited).toBe(0);
    expect((await reprise(['worker', DESK, '--retention', 'never', '--data', own.path])).code).toBe(2);
  } finally {
    own.remove();
  }
});
