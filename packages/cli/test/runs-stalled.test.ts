// `reprise runs stalled` lists the stalled runs with their position and error: from the worker
// (a bug in the code, with its stack), or, with no worker, by replaying the running workflows
// with a module (what its replay would stall on). `describe` shows the stack too.
import { CLI_TEST_TIMEOUT_MS, eventually, reprise, SHOP, spawnReprise, tempData } from './cli-process.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

const BUGGY = 'packages/cli/test/fixtures/shop-buggy.ts';
const data = tempData();
afterAll(() => data.remove());
const at = (...args: string[]) => [...args, '--data', data.path];

it('lists a run stalled by a bug (with its stack) from the worker, and by replaying with a module when no worker runs', async () => {
  const worker = spawnReprise(at('worker', BUGGY));
  try {
    await worker.waitFor(/^worker ready on /);
    expect(
      (await reprise(at('start', 'checkout', '--id', 'buggy', '--input', '{"sku":"B","amount":1}'))).code,
    ).toBe(0);
    let listed = await reprise(at('runs', 'stalled'));
    await eventually(async () => {
      listed = await reprise(at('runs', 'stalled'));
      return listed.stdout.includes('buggy');
    });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/buggy\s+\S+\s+checkout\s+#1\s+bug\s+.*TypeError/);
    expect(listed.stdout).toMatch(/^buggy: TypeError: .*name/m);
    expect(listed.stdout).toMatch(/^\s+at .*shop-buggy\.ts/m);
    const described = await reprise(at('describe', 'buggy'));
    expect(described.stdout).toMatch(/^status\s+Running \(stalled\)$/m);
    expect(described.stdout).toMatch(/stalled at command #1: .*threw TypeError/);
    expect(described.stdout).toMatch(/^\s+at .*shop-buggy\.ts/m);
  } finally {
    worker.child.kill('SIGINT');
    await worker.exited;
  }

  // No worker: the running workflows are replayed with the module given.
  const fixed = await reprise(at('runs', 'stalled', '--module', SHOP));
  expect(fixed.stdout).toMatch(/^no stalled runs \(replayed with .*shop\.ts/m);
  const stillBuggy = await reprise(at('runs', 'stalled', '--module', BUGGY, '--json'));
  expect(JSON.parse(stillBuggy.stdout)).toEqual([
    expect.objectContaining({
      workflowId: 'buggy',
      workflowType: 'checkout',
      stalled: expect.objectContaining({
        position: 1,
        cause: 'bug',
        reason: expect.stringContaining('TypeError'),
      }),
    }),
  ]);
  const noModule = await reprise(at('runs', 'stalled'), { REPRISE_MODULE: '' });
  expect(noModule.code).toBe(2);
  expect(noModule.stderr).toMatch(/runs stalled needs --module/);
});
