// Three engine processes on one PostgreSQL schema, 60 approved orders (activities, a timer, a
// signal), two of the processes SIGKILLed at random during the run and started again: every
// order completes once, each terminal event, approval and activity result recorded once, no seq
// gap (fixtures/pg-cluster-kills.ts). Small, so that it passes on a busy machine in the default
// suite; every wait is for a state of the store or a line of a process, bounded only against
// hangs. The 1,000-order version: postgres-cluster-kills.soak.test.ts (npm run soak:pg).
import { afterAll, it } from '@jest/globals';
import { killWorkerProcesses } from '@reprise/testkit/internal';
import { dropTestSchemas, testSchema } from '../../../../test/support/postgres.js';
import { runClusterKills } from './fixtures/pg-cluster-kills.js';

afterAll(async () => {
  killWorkerProcesses();
  await dropTestSchemas();
});

it('60 orders over three engine processes complete once each after two SIGKILLs', async () => {
  const { url, schema } = await testSchema('cluster_kills');
  await runClusterKills(url, schema, 60);
}, 300_000);
