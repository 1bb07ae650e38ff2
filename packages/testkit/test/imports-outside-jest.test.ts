// @reprise/testkit imports and works in a process without Jest (plain node on the build, tsx on
// the sources), as under node:test, vitest or a script; only describeEventStoreConformance needs
// a test runner, and outside one it throws a typed error when called, not at import.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

// Generous: each test waits only for a node process to exit (seconds to start on a busy machine);
// the timeouts bound a hang, they time nothing.
jest.setTimeout(300_000);

const ROOT = resolve(__dirname, '../../..');

/** A script that uses the testkit the way a user's script or another runner's test would. */
const SCRIPT = `
import { defineWorkflow, InMemoryStore } from '@reprise/core';
import { createTestEngine, describeEventStoreConformance, exportHistory } from '@reprise/testkit';

const nap = defineWorkflow('nap', async (ctx, days) => {
  await ctx.sleep(days + 'd');
  return 'rested ' + days + ' days';
});
const store = new InMemoryStore();
const env = await createTestEngine({ workflows: [nap], store });
const handle = await env.engine.start(nap, 7, { workflowId: 'nap-1' });
await env.advance('7d');
const result = await handle.result();
const exported = await exportHistory(store, 'nap-1');
await env.close();

let conformance;
try {
  describeEventStoreConformance('outside', () => new InMemoryStore());
  conformance = 'declared';
} catch (error) {
  conformance = { name: error.name, code: error.code, message: error.message };
}
console.log(JSON.stringify({
  result,
  format: exported.format,
  events: exported.events.map((event) => event.type),
  conformance,
}));
`;

function runOutsideJest(nodeArgs: readonly string[]): unknown {
  // No JEST_WORKER_ID and no jest globals: a plain node process started from the repository.
  const env = { ...process.env };
  delete env.JEST_WORKER_ID;
  const child = spawnSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', SCRIPT], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (child.status !== 0) throw new Error(`exit ${child.status} ${child.signal ?? ''}:\n${child.stderr}`);
  return JSON.parse(child.stdout);
}

const expected = {
  result: 'rested 7 days',
  format: 'reprise.history',
  events: ['WorkflowStarted', 'TimerStarted', 'TimerFired', 'WorkflowCompleted'],
  conformance: {
    name: 'NoTestRunnerError',
    code: 'no_test_runner',
    message: expect.stringMatching(/^describeEventStoreConformance declares tests with describe, it, expect/),
  },
};

it('works with plain node on the built package (as installed from npm)', () => {
  // `npm test` builds first; run `npx tsc -b` before this file on its own.
  expect(existsSync(join(ROOT, 'packages/testkit/dist/index.js'))).toBe(true);
  expect(runOutsideJest([])).toEqual(expected);
});

it('works with tsx on the TypeScript sources', () => {
  expect(runOutsideJest(['--conditions=source', '--import', 'tsx'])).toEqual(expected);
});
