// Window: `reprise signal` or `cancel` with a --data path that does not exist created the
// directory (and an empty store) instead of saying there is no data there.
import { existsSync } from 'node:fs';
import { reprise, tempData } from './cli-process.js';

jest.setTimeout(30_000);

const data = tempData();
afterAll(() => data.remove());

it.each([
  ['signal', ['signal', 'order-1', 'go']],
  ['cancel', ['cancel', 'order-1']],
])('%s with a --data path that does not exist exits 3 and creates nothing', async (_name, args) => {
  const result = await reprise([...args, '--data', data.path]);
  expect(result.code).toBe(3);
  expect(result.stderr).toMatch(/^reprise: no Reprise data at /);
  expect(existsSync(data.path)).toBe(false);
});
