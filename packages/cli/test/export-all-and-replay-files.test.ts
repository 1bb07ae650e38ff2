// Replay before deploy: `export --all --status Running --out <dir>` writes one exported history
// per workflow; `replay --workflows <module> <dir>` replays them with new code, exit 0 when it
// matches, exit 5 naming each run, the position, what was recorded and what the code asked for.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '@reprise/engine';
import { openLmdbStore } from '@reprise/store-lmdb';
import { CLI_TEST_TIMEOUT_MS, reprise, SHOP, SHOP_CHANGED, tempData } from './cli-process.js';
import { activities, checkout } from './fixtures/shop.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

const data = tempData();
afterAll(() => data.remove());
const at = (...args: string[]) => [...args, '--data', data.path];

it('exports the running workflows as files, and replays them against old and changed code', async () => {
  // Two orders in flight (waiting for approval) and one finished, recorded by an engine in-process.
  const engine = await Engine.create({
    store: openLmdbStore({ path: data.path, noSync: true }),
    workflows: [checkout],
    activities,
    logger: { warn: () => undefined },
  });
  for (const id of ['order/1', 'order-2', 'done'])
    await engine.start(checkout, { sku: id, amount: 3 }, { workflowId: id });
  await engine.getHandle('done').signal('approve', { by: 'ada' });
  await engine.getHandle('done').result();
  await engine.idle();
  await engine.shutdown();

  const out = join(data.path, '..', 'histories');
  const exported = await reprise(at('export', '--all', '--status', 'Running', '--out', out));
  expect(exported).toMatchObject({ code: 0, stderr: `exported 2 workflow(s) to ${out}\n` });
  expect(readdirSync(out).sort()).toEqual(['order%2F1.json', 'order-2.json']);
  const file = JSON.parse(readFileSync(join(out, 'order-2.json'), 'utf8'));
  expect(file).toMatchObject({ format: 'reprise.history', version: 1, workflowId: 'order-2' });

  const same = await reprise(['replay', '--workflows', SHOP, out]);
  expect(same.code).toBe(0);
  expect(same.stdout).toBe('replayed 2 run(s): 2 ok, 0 diverged\n');

  const changed = await reprise(['replay', '--workflows', SHOP_CHANGED, out]);
  expect(changed.code).toBe(5);
  const lines = changed.stdout.trim().split('\n');
  expect(lines).toHaveLength(3);
  expect(lines[0]).toMatch(
    /^DIVERGED order\/1 run \S+ \(checkout\) at command #1 \(event seq 4\): recorded TimerStarted t1, code asked for ActivityScheduled charge \(activity \S+\.2\) \[.*order%2F1\.json\]$/,
  );
  expect(lines[1]).toMatch(/^DIVERGED order-2 run .* \[.*order-2\.json\]$/);
  expect(lines[2]).toBe('replayed 2 run(s): 0 ok, 2 diverged');

  // One file works as well as a folder; a file that is not a history is bad usage naming it.
  expect((await reprise(['replay', '--workflows', SHOP, join(out, 'order-2.json')])).code).toBe(0);
  const missing = await reprise(['replay', '--workflows', SHOP, join(out, 'nope.json')]);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/nope\.json" is not a file or folder of exported histories/);
  const usage = await reprise(at('export', '--all'));
  expect(usage.code).toBe(2);
  expect(usage.stderr).toMatch(/export --all needs --out <folder>/);
  expect(existsSync(join(out, 'done.json'))).toBe(false);
});
