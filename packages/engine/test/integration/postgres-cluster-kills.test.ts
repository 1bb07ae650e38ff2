// Three engine processes on one PostgreSQL schema, 150 approved orders (activities, a timer, a
// signal), two of the processes SIGKILLed at random during the run and started again: every
// order completes once, each terminal event, approval and activity result recorded once, no seq
// gap (fixtures/pg-cluster-kills.ts). The long version: postgres-cluster-kills.soak.test.ts.
import { afterAll, it } from '@jest/globals';
import { killWorkerProcesses } from '@reprise/testkit/internal';
import { dropTestSchemas, testSchema } from '../../../../test/support/postgres.js';
import { runClusterKills } from './fixtures/pg-cluster-kills.js';

afterAll(async () => {
  killWorkerProcesses();
  await dropTestSchemas();
});

it('150 orders over three engine processes complete once each after two SIGKILLs', async () => {
  const { url, schema } = await testSchema('cluster_kills');
  await runClusterKills(url, schema, 150);
}, 300_000);
