// `reprise schedule`: list and describe read the schedules' histories when no worker runs and
// ask the worker when one does; pause, resume, trigger and delete go to the worker (without one
// they refuse, exit 4); an unknown schedule is not found (exit 3).
import { Engine } from '@reprise/engine';
import { openLmdbStore } from '@reprise/store-lmdb';
import { CLI_TEST_TIMEOUT_MS, reprise, spawnReprise, tempData } from './cli-process.js';
import { greet } from './fixtures/desk.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

const DESK = 'packages/cli/test/fixtures/desk.ts';
const data = tempData();
afterAll(() => data.remove());
const at = (...args: string[]) => [...args, '--data', data.path];

beforeAll(async () => {
  const engine = await Engine.create({
    store: openLmdbStore({ path: data.path, noSync: true }),
    workflows: [greet],
  });
  await engine.schedules.create({
    scheduleId: 'nightly',
    spec: { cron: '0 2 * * *', timezone: 'Europe/Paris' },
    workflowType: 'greet',
    input: 'night',
  });
  await engine.shutdown();
});

const json = async (...args: string[]) => {
  const result = await reprise(at(...args, '--json'));
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(result.stdout) as unknown;
};

it('lists and describes from the store, and refuses changes without a worker', async () => {
  expect(await json('schedule', 'list')).toEqual([
    {
      scheduleId: 'nightly',
      spec: { cron: '0 2 * * *', timezone: 'Europe/Paris' },
      workflowType: 'greet',
      paused: false,
      nextFireAt: expect.any(Number),
    },
  ]);
  const described = (await json('schedule', 'describe', 'nightly')) as { nextFireTimes: number[] };
  expect(described).toMatchObject({ scheduleId: 'nightly', input: 'night', overlap: 'skip', paused: false });
  // 02:00 in Paris is 01:00 UTC in winter, 00:00 UTC in summer.
  expect(described.nextFireTimes).toHaveLength(5);
  for (const at of described.nextFireTimes) expect([0, 1]).toContain(new Date(at).getUTCHours());
  const table = await reprise(at('schedule', 'list'));
  expect(table.stdout).toMatch(/^nightly\s+cron 0 2 \* \* \* \(Europe\/Paris\)\s+greet\s+active\s/m);

  for (const action of ['pause', 'resume', 'trigger', 'delete']) {
    const refused = await reprise(at('schedule', action, 'nightly'));
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/^reprise: no worker is running on .*; schedules run in a worker/);
  }
  expect((await reprise(at('schedule', 'describe', 'nope'))).code).toBe(3);
  expect((await reprise(at('schedule', 'frobnicate'))).code).toBe(2);
});

it('with a worker: pause, trigger, resume and delete', async () => {
  const worker = spawnReprise(at('worker', DESK));
  try {
    await worker.waitFor(/^worker ready on /);
    expect((await reprise(at('schedule', 'pause', 'nightly', '--note', 'migration'))).stdout).toBe(
      'paused nightly\n',
    );
    expect(await json('schedule', 'list')).toEqual([
      expect.objectContaining({ scheduleId: 'nightly', paused: true }),
    ]);
    const triggered = (await json('schedule', 'trigger', 'nightly')) as {
      result: { outcome: string; workflowId: string };
    };
    expect(triggered.result).toMatchObject({
      outcome: 'started',
      workflowId: expect.stringMatching(/^nightly@/),
    });
    const paused = (await json('schedule', 'describe', 'nightly')) as Record<string, unknown>;
    expect(paused).toMatchObject({
      paused: true,
      note: 'migration',
      nextFireTimes: [],
      recentActions: [
        expect.objectContaining({ kind: 'fired', cause: 'trigger', workflowId: triggered.result.workflowId }),
      ],
    });
    expect((await reprise(at('schedule', 'resume', 'nightly'))).code).toBe(0);
    expect(await json('schedule', 'describe', 'nightly')).toMatchObject({ paused: false });
    expect(await json('schedule', 'delete', 'nightly')).toEqual({ scheduleId: 'nightly', action: 'delete' });
    // The whole result, so that a failure shows what the command said on stderr.
    expect(await reprise(at('schedule', 'list'))).toEqual({ code: 0, stdout: 'no schedules\n', stderr: '' });
    expect((await reprise(at('schedule', 'pause', 'nightly'))).code).toBe(3);
  } finally {
    worker.child.kill('SIGINT');
  }
  expect(await worker.exited).toBe(0);
  // Read from the store again: the same answer the worker gave.
  expect((await reprise(at('schedule', 'list'))).stdout).toBe('no schedules\n');
});
