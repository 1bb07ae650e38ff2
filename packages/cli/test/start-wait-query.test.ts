// With a worker: `start --wait` prints the result alone on stdout (exit 7 when the run fails),
// `query` answers from the run's handler, and `--json` on start, signal and cancel prints JSON
// alone. Without a worker, `start --wait` and `query` refuse instead of waiting forever.
import { CLI_TEST_TIMEOUT_MS, reprise, spawnReprise, tempData } from './cli-process.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

const DESK = 'packages/cli/test/fixtures/desk.ts';
const data = tempData();
afterAll(() => data.remove());
const at = (...args: string[]) => [...args, '--data', data.path];

it('refuses --wait and query when no worker runs, before recording anything', async () => {
  const wait = await reprise(at('start', 'greet', '--module', DESK, '--input', '"ada"', '--wait'));
  expect(wait.code).toBe(2);
  expect(wait.stderr).toMatch(/^reprise: --wait needs a worker running on /);
  // Nothing was recorded: the data directory was not even created.
  expect((await reprise(at('count'))).code).toBe(3);

  const started = await reprise(
    at('start', 'tally', '--module', DESK, '--id', 'idle', '--input', '1', '--json'),
  );
  expect(started.code).toBe(0);
  expect(JSON.parse(started.stdout)).toEqual({ workflowId: 'idle', runId: expect.any(String) });
  const query = await reprise(at('query', 'idle', 'total'));
  expect(query.code).toBe(4);
  expect(query.stderr).toMatch(/^reprise: no worker is running on .*; a query runs the workflow's code/);
});

it('with a worker: start --wait, query, and --json answers', async () => {
  const worker = spawnReprise(at('worker', DESK));
  try {
    await worker.waitFor(/^worker ready on /);

    const greeted = await reprise(at('start', 'greet', '--id', 'g1', '--input', '"ada"', '--wait'));
    expect(greeted).toMatchObject({ code: 0, stdout: '"hello ada"\n' });
    expect(greeted.stderr).toMatch(/^started g1 \(run \S+\) on a reprise worker$/m);

    const failed = await reprise(at('start', 'doomed', '--id', 'd1', '--input', '"no luck"', '--wait'));
    expect(failed).toMatchObject({ code: 7, stdout: '' });
    expect(failed.stderr).toMatch(
      /^reprise: workflow "d1" failed: Error: doomed: no luck \[workflow_failed\]$/m,
    );
    const failedJson = await reprise(
      at('start', 'doomed', '--id', 'd2', '--input', '"again"', '--wait', '--json'),
    );
    expect(failedJson.code).toBe(7);
    expect(JSON.parse(failedJson.stdout)).toMatchObject({
      workflowId: 'd2',
      status: 'Failed',
      error: { name: 'Error', message: 'doomed: again' },
    });

    // A run that waits on its child: --wait prints the result it returns after the child's.
    const family = await reprise(at('start', 'family', '--id', 'f1', '--input', '"bo"', '--wait', '--json'));
    expect(JSON.parse(family.stdout)).toEqual({
      workflowId: 'f1',
      status: 'Completed',
      result: { said: 'hello bo' },
    });

    // The run recorded before the worker started is resumed by it, and answers queries.
    expect(JSON.parse((await reprise(at('query', 'idle', 'total', '--json'))).stdout)).toBe(1);
    const signal = await reprise(at('signal', 'idle', 'add', '4', '--json'));
    expect(JSON.parse(signal.stdout)).toEqual({ workflowId: 'idle', signal: 'add' });
    expect((await reprise(at('query', 'idle', 'total'))).stdout).toBe('5\n');
    expect((await reprise(at('query', 'idle', 'total', '"doubled"'))).stdout).toBe('10\n');
    const badArgs = await reprise(at('query', 'idle', 'total', '{oops'));
    expect(badArgs.code).toBe(2);

    const cancel = await reprise(at('cancel', 'idle', '--json'));
    expect(cancel).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(cancel.stdout)).toEqual({ workflowId: 'idle', cancelRequested: true });
    const unknown = await reprise(at('query', 'nobody', 'total'));
    expect(unknown.code).toBe(3);
  } finally {
    worker.child.kill('SIGINT');
  }
  expect(await worker.exited).toBe(0);
});
