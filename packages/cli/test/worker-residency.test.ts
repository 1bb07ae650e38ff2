// `reprise worker --hibernate-after / --max-resident`: checked before the worker starts; a
// hibernated run shows as such and wakes for a signal.
import { CLI_TEST_TIMEOUT_MS, eventually, reprise, SHOP, spawnReprise, tempData } from './cli-process.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

const data = tempData();
afterAll(() => data.remove());
const at = (...args: string[]) => [...args, '--data', data.path];

it('refuses a residency option that is not one, naming it', async () => {
  const duration = await reprise(at('worker', SHOP, '--hibernate-after', 'soon'));
  expect(duration.code).toBe(2);
  expect(duration.stderr).toMatch(/--hibernate-after soon is not a duration/);
  const count = await reprise(at('worker', SHOP, '--max-resident', '0'));
  expect(count.code).toBe(2);
  expect(count.stderr).toMatch(/--max-resident 0 must be a whole number of at least 1/);
});

it('a worker with --hibernate-after 0 hibernates a waiting run and wakes it for a signal', async () => {
  const worker = spawnReprise(at('worker', SHOP, '--hibernate-after', '0'));
  const describe = async () =>
    JSON.parse((await reprise(at('describe', 'napping', '--json'))).stdout) as {
      status: string;
      residency: string;
    };
  try {
    await worker.waitFor(/^worker ready on /);
    const started = await reprise(
      at('start', 'checkout', '--id', 'napping', '--input', '{"sku":"N","amount":3}'),
    );
    expect(started.code).toBe(0);
    await eventually(async () => (await describe()).residency === 'hibernated');
    expect((await reprise(at('signal', 'napping', 'approve', '{"by":"test"}'))).code).toBe(0);
    await eventually(async () => (await describe()).status === 'Completed');
  } finally {
    worker.child.kill('SIGINT');
  }
  expect(await worker.exited).toBe(0);
});
