// The testkit's ownership contract (leases with epochs on the store's clock, fences checked in the
// append's statement, the inbox consumed in it), run against the PostgreSQL store. The store's
// clock is the database's; `advance` moves the offset that store_now() adds to it.
import { afterAll } from '@jest/globals';
import { describeOwnershipConformance } from '@reprise/testkit';
import { dropTestSchemas, sql, testSchema } from '../../../test/support/postgres.js';
import { openPostgresStore } from '../src/index.js';

afterAll(() => dropTestSchemas());

describeOwnershipConformance('postgres', async () => {
  const { url, schema } = await testSchema('ownership');
  const store = await openPostgresStore({ connectionString: url, schema, shardCount: 8, maxConnections: 4 });
  return {
    store,
    advance: async (ms: number) => {
      await sql(url, `UPDATE "${schema}".store_config SET clock_offset_ms = clock_offset_ms + $1`, [ms]);
    },
  };
});
