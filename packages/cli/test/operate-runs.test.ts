// terminate, pause, resume and update through the real binary: with a worker (over its control
// socket) and without one (recorded into the store; an update needs a worker and is refused).
import { CLI_TEST_TIMEOUT_MS, eventually, reprise, spawnReprise, tempData } from './cli-process.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

const OPS = 'packages/cli/test/fixtures/ops.ts';
const data = tempData();
afterAll(() => data.remove());
const at = (...args: string[]) => [...args, '--data', data.path];

const describeJson = async (id: string) =>
  JSON.parse((await reprise(at('describe', id, '--json'))).stdout) as { status: string; paused?: boolean };

it('without a worker: pause, resume and terminate are recorded; update is refused', async () => {
  expect((await reprise(at('start', 'counter', '--module', OPS, '--id', 'quiet', '--input', '1'))).code).toBe(
    0,
  );
  expect(await reprise(at('pause', 'quiet', '--reason', 'maintenance'))).toMatchObject({
    code: 0,
    stdout: 'quiet paused\n',
  });
  expect((await reprise(at('describe', 'quiet'))).stdout).toMatch(/^status\s+Paused$/m);
  expect((await reprise(at('list'))).stdout).toMatch(/^quiet\s+counter\s+Paused\s/m);
  expect((await reprise(at('resume', 'quiet'))).stdout).toBe('quiet resumed\n');
  expect((await describeJson('quiet')).paused).toBeUndefined();

  const update = await reprise(at('update', 'quiet', 'add', '2'));
  expect(update.code).toBe(4);
  expect(update.stderr).toMatch(/no worker is running on .*: an update needs the workflow's code/);
  expect((await reprise(at('reset', 'quiet', '--to-event', '1'))).code).toBe(4);

  expect((await reprise(at('terminate', 'quiet', '--reason', 'not needed'))).stdout).toBe(
    'quiet terminated\n',
  );
  expect((await describeJson('quiet')).status).toBe('Terminated');
  const events = JSON.parse((await reprise(at('show', 'quiet', '--json'))).stdout) as { type: string }[];
  expect(events.map((event) => event.type)).toEqual([
    'WorkflowStarted',
    'WorkflowPaused',
    'WorkflowResumed',
    'WorkflowTerminated',
  ]);
  const again = await reprise(at('terminate', 'quiet'));
  expect(again.code).toBe(4);
  expect(again.stderr).toMatch(/\[workflow_closed\]$/m);
  expect((await reprise(at('pause', 'nobody'))).code).toBe(3);
});

it('with a worker: update answers, a rejected update is exit 4, pause/resume/terminate act at once', async () => {
  const worker = spawnReprise(at('worker', OPS));
  try {
    await worker.waitFor(/^worker ready on /);
    expect((await reprise(at('start', 'counter', '--id', 'live', '--input', '10'))).code).toBe(0);
    expect(await reprise(at('update', 'live', 'add', '5', '--update-id', 'first'))).toMatchObject({
      code: 0,
      stdout: '15\n',
    });
    // The same update id again: answered from the history, not applied twice.
    expect((await reprise(at('update', 'live', 'add', '5', '--update-id', 'first'))).stdout).toBe('15\n');
    const rejected = await reprise(at('update', 'live', 'add', '-3'));
    expect(rejected.code).toBe(4);
    expect(rejected.stderr).toMatch(/-3 is not a count \[update_rejected\]$/m);

    // Reset to the start: a new run of the same id, from its input again (10).
    expect((await reprise(at('reset', 'live', '--to-event', '1', '--reason', 'start over'))).stdout).toMatch(
      /^live reset: new run \S+$/m,
    );
    expect((await reprise(at('update', 'live', 'add', '1'))).stdout).toBe('11\n');
    expect(await reprise(at('fork', 'live', '--from-event', '1', '--id', 'live-copy'))).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^forked live into live-copy \(run \S+\)$/m),
    });
    expect((await describeJson('live-copy')).status).toBe('Running');
    const badPoint = await reprise(at('reset', 'live', '--to-event', '999'));
    expect(badPoint.code).toBe(2);
    expect(badPoint.stderr).toMatch(/999 is past the end of the history/);

    expect((await reprise(at('pause', 'live'))).code).toBe(0);
    await eventually(async () => (await describeJson('live')).paused === true);
    expect((await reprise(at('describe', 'live'))).stdout).toMatch(/^status\s+Paused$/m);
    expect((await reprise(at('resume', 'live'))).code).toBe(0);
    expect((await reprise(at('terminate', 'live', '--reason', 'done here'))).code).toBe(0);
    expect((await describeJson('live')).status).toBe('Terminated');
  } finally {
    worker.child.kill('SIGINT');
  }
  expect(await worker.exited).toBe(0);
});
