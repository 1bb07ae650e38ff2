// `--pg <url>` wherever `--data <dir>` goes: a worker runs on PostgreSQL (recovering what was
// recorded there), the reading commands read it, and the commands that would need an engine of
// their own are refused as bad usage (exit 2), as is giving both --data and --pg.
import { asRunId, asWorkflowId, envelopeEvents } from '@reprise/core';
import { openPostgresStore } from '@reprise/store-postgres';
import { dropTestSchemas, testSchema } from '../../../test/support/postgres.js';
import { CLI_TEST_TIMEOUT_MS, eventually, reprise, spawnReprise } from './cli-process.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);
afterAll(() => dropTestSchemas());

const DESK = 'packages/cli/test/fixtures/desk.ts';

it('runs a worker on PostgreSQL and reads what it recorded; refuses what needs an engine of its own', async () => {
  const { url, schema } = await testSchema('cli');
  const pg = `${url}?schema=${schema}`;
  // Recorded before any worker runs: a worker on the database resumes them.
  const store = await openPostgresStore({ connectionString: url, schema });
  for (const id of ['g1', 'g2']) {
    const workflowId = asWorkflowId(id);
    await store.append(
      workflowId,
      envelopeEvents(workflowId, 0, Date.now(), [
        {
          type: 'WorkflowStarted',
          workflowType: 'greet',
          input: id,
          runId: asRunId(`r-${id}`),
          parentRunId: null,
        },
      ]),
      { expectedSeq: 0 },
    );
  }
  await store.close();

  const worker = spawnReprise(['worker', DESK, '--pg', pg]);
  try {
    const ready = await worker.waitFor(/^worker ready on /);
    expect(ready).toContain(`schema ${schema}`);
    expect(ready).toContain('2 running workflow(s) in the database');
    await eventually(
      async () => (await reprise(['count', '--status', 'Completed', '--pg', pg])).stdout.trim() === '2',
    );
  } finally {
    worker.child.kill('SIGINT');
    await worker.exited;
  }
  expect(worker.lines).toContain('worker stopped');

  const described = await reprise(['describe', 'g1', '--json', '--pg', pg]);
  expect(described.code).toBe(0);
  expect(JSON.parse(described.stdout)).toMatchObject({ workflowId: 'g1', status: 'Completed' });
  const listed = await reprise(['list', '--pg', pg]);
  expect(listed.code).toBe(0);
  expect(listed.stdout).toMatch(/g1/);
  expect(listed.stdout).toMatch(/g2/);

  const signal = await reprise(['signal', 'g1', 'nudge', '--pg', pg]);
  expect(signal.code).toBe(2);
  expect(signal.stderr).toMatch(/with --pg, starts, signals, cancels/);
  const both = await reprise(['list', '--data', '/tmp/nowhere', '--pg', pg]);
  expect(both.code).toBe(2);
  expect(both.stderr).toMatch(/give --data or --pg, not both/);
  const verify = await reprise(['verify', '--pg', pg]);
  expect(verify.code).toBe(2);
  expect(verify.stderr).toMatch(/not available with --pg/);
});
