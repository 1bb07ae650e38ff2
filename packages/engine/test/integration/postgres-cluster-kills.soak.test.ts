// The long version of postgres-cluster-kills.test.ts (npm run soak:pg): 1,000 orders.
import { afterAll, it } from '@jest/globals';
import { killWorkerProcesses } from '@reprise/testkit/internal';
import { dropTestSchemas, testSchema } from '../../../../test/support/postgres.js';
import { runClusterKills } from './fixtures/pg-cluster-kills.js';

afterAll(async () => {
  killWorkerProcesses();
  await dropTestSchemas();
});

it('1,000 orders over three engine processes complete once each after two SIGKILLs', async () => {
  const { url, schema } = await testSchema('cluster_kills_soak');
  await runClusterKills(url, schema, 1_000);
}, 900_000);
