// A worker holds the data directory: it resumes what was recorded while it was away, carries out
// what other commands hand it, refuses a second worker, replay finds code that changed, and
// SIGINT stops it gracefully.
import {
  CLI_TEST_TIMEOUT_MS,
  eventually,
  reprise,
  SHOP,
  SHOP_CHANGED,
  spawnReprise,
  tempData,
} from './cli-process.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

const data = tempData();
afterAll(() => data.remove());
const at = (...args: string[]) => [...args, '--data', data.path];

const statusOf = async (id: string) => {
  const result = await reprise(at('describe', id, '--json'));
  return result.code === 0 ? (JSON.parse(result.stdout) as { status: string }).status : `exit ${result.code}`;
};

it('runs recorded and new workflows, then stops on SIGINT', async () => {
  // Recorded before any worker runs: the worker resumes it.
  await reprise(
    at('start', 'checkout', '--module', SHOP, '--id', 'early', '--input', '{"sku":"E","amount":1}'),
  );

  const worker = spawnReprise(at('worker', SHOP));
  try {
    await worker.waitFor(
      /^worker ready on .*: workflows checkout; 2 activities; 1 running workflow\(s\) resumed$/,
    );

    const second = await reprise(at('worker', SHOP));
    expect(second.code).toBe(4);
    expect(second.stderr).toMatch(/is in use by a reprise worker \(pid \d+\)/);

    // No --module needed: the worker knows the types and runs the workflow at once.
    const started = await reprise(
      at('start', 'checkout', '--id', 'live', '--input', '{"sku":"L","amount":9}'),
    );
    expect(started.stdout).toMatch(/^started live \(run \S+\) on a reprise worker$/m);

    for (const id of ['early', 'live']) {
      expect((await reprise(at('signal', id, 'approve', '{"by":"test"}'))).code).toBe(0);
    }
    await eventually(
      async () => (await statusOf('early')) === 'Completed' && (await statusOf('live')) === 'Completed',
    );

    const timeline = await reprise(at('show', 'live'));
    expect(timeline.stdout).toMatch(/^live · Completed · \d+ events$/m);
    // The timeline names events as replay does (core's timelineLines), with how long each took.
    expect(timeline.stdout).toMatch(/ActivityScheduled charge \(activity run1\.2\)/);
    expect(timeline.stdout).toMatch(
      /ActivityFailed run1\.2 attempt 1 Error: "provider busy", will retry in \S+ \(took \S+\)/,
    );
    expect(timeline.stdout).toMatch(/ActivityCompleted run1\.2 attempt 2 result .* \(took \S+\)/);
    expect(timeline.stdout).toMatch(/TimerFired \S+ \(took \S+\)/);
    expect(timeline.stdout).toMatch(
      /WorkflowCompleted result \{"held":"held L","by":"test","charged":9,"attempt":2\} \(took \S+\)/,
    );

    const closed = await reprise(at('signal', 'live', 'approve'));
    expect(closed.code).toBe(4);
    expect(closed.stderr).toMatch(/\[workflow_closed\]$/m);
    expect((await reprise(at('cancel', 'live'))).code).toBe(4);

    const described = await reprise(at('describe', 'live'));
    expect(described.stdout).toMatch(/live from a reprise worker/);
  } finally {
    worker.child.kill('SIGINT');
  }
  expect(await worker.exited).toBe(0);
  expect(worker.lines).toContain('worker stopped');

  // Replay is read-only: the same code replays cleanly, the changed code diverges (exit 5).
  const same = await reprise(at('replay', '--all', '--module', SHOP));
  expect(same).toMatchObject({
    code: 0,
    stdout: expect.stringMatching(/replayed 2 run\(s\): 2 ok, 0 diverged/),
  });
  const changed = await reprise(at('replay', 'live', '--module', SHOP_CHANGED));
  expect(changed.code).toBe(5);
  expect(changed.stdout).toMatch(
    /^DIVERGED live run \S+ \(checkout\) at command #1 \(event seq \d+\): recorded TimerStarted \S+, code asked for ActivityScheduled charge/m,
  );
  expect((await reprise(at('replay', '--module', SHOP))).code).toBe(2);
});
