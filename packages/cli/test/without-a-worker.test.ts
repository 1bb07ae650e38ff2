// With no worker on the data directory, commands read the store directly and record starts,
// signals and cancels for the next worker, executing no workflow code themselves.
import { CLI_TEST_TIMEOUT_MS, reprise, SHOP, tempData } from './cli-process.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

const data = tempData();
afterAll(() => data.remove());
const at = (...args: string[]) => [...args, '--data', data.path];

it('reports a missing data directory as one line and exit 3', async () => {
  const result = await reprise(at('list'));
  expect(result.code).toBe(3);
  expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^reprise: no Reprise data at /)]);
});

it('refuses usage errors with exit 2: unknown command, no module, bad JSON, unknown type', async () => {
  const noModule = await reprise(at('start', 'checkout'));
  expect(noModule.code).toBe(2);
  expect(noModule.stderr).toMatch(/no worker is running on .*; give --module/);
  const badJson = await reprise(at('start', 'checkout', '--module', SHOP, '--input', '{nope'));
  expect(badJson.code).toBe(2);
  expect(badJson.stderr).toMatch(/--input is not valid JSON/);
  const unknown = await reprise(at('start', 'no-such-type', '--module', SHOP));
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toMatch(/\[unknown_workflow_type\]$/m);
});

it('start records the run without executing it; signal and cancel are recorded too', async () => {
  const started = await reprise(
    at(
      'start',
      'checkout',
      '--module',
      SHOP,
      '--id',
      'o-1',
      '--input',
      '{"sku":"A","amount":5}',
      '--attr',
      'customer=ada',
    ),
  );
  expect(started).toMatchObject({ code: 0, stdout: expect.stringMatching(/^started o-1 \(run \S+\)/) });
  expect(started.stderr).toMatch(/no worker is running/);

  const again = await reprise(at('start', 'checkout', '--module', SHOP, '--id', 'o-1'));
  expect(again.code).toBe(4);
  expect(again.stderr).toMatch(/\[workflow_already_started\]/);

  expect((await reprise(at('signal', 'o-1', 'approve', '{"by":"cli"}'))).code).toBe(0);
  const cancelled = await reprise(at('cancel', 'o-1', '--reason', 'changed my mind'));
  expect(cancelled).toMatchObject({ code: 0, stdout: 'cancellation of o-1 requested\n' });

  const raw = await reprise(at('show', 'o-1', '--json'));
  const events = JSON.parse(raw.stdout) as { type: string }[];
  // No workflow code ran: no activity was scheduled, only what the commands recorded.
  expect(events.map((event) => event.type)).toEqual([
    'WorkflowStarted',
    'SignalReceived',
    'WorkflowCancelRequested',
  ]);

  const list = await reprise(at('list', '--attr', 'customer=ada'));
  expect(list.stdout.split('\n')[0]).toMatch(
    /^WORKFLOW ID\s+TYPE\s+STATUS\s+STARTED\s+DURATION\s+BUILD\s+ATTRIBUTES$/,
  );
  // The run records the build of the engine that started it; list filters by it.
  const buildId = (events[0] as { buildId?: string }).buildId as string;
  expect(buildId).toMatch(/^src-[0-9a-f]{16}$/);
  expect((await reprise(at('list', '--build', buildId))).stdout).toMatch(/^o-1\s+checkout\s+Running\s/m);
  expect((await reprise(at('list', '--build', 'no-such-build'))).stdout).toBe('no workflows match\n');
  expect(list.stdout).toMatch(/^o-1\s+checkout\s+Running\s/m);
  expect((await reprise(at('list', '--status', 'completed,failed'))).stdout).toBe('no workflows match\n');

  const described = await reprise(at('describe', 'o-1'));
  expect(described.stdout).toMatch(/^status\s+Running$/m);
  expect(described.stdout).toMatch(/no worker is running/);

  const exported = await reprise(at('export', 'o-1'));
  expect(JSON.parse(exported.stdout)).toEqual({
    format: 'reprise.history',
    version: 1,
    workflowId: 'o-1',
    events,
  });
});

it('unknown workflow ids are exit 3; signals to unknown ids too', async () => {
  for (const args of [
    ['describe', 'nope'],
    ['signal', 'nope', 'approve'],
  ]) {
    const result = await reprise(at(...args));
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/\[workflow_not_found\]$/m);
  }
});
