// The testkit's store contract, run unchanged against the PostgreSQL store (a real server: see
// test/support/postgres.ts), in a schema of this file's own. Each test's store starts empty: the
// tables are emptied when it opens (creating a schema per test costs its DDL each time).
import { afterAll } from '@jest/globals';
import { describeEventStoreConformance } from '@reprise/testkit';
import { dropTestSchemas, sql, testSchema } from '../../../test/support/postgres.js';
import { openPostgresStore } from '../src/index.js';

afterAll(() => dropTestSchemas());

const place = testSchema('conformance');

describeEventStoreConformance('postgres', async () => {
  const { url, schema } = await place;
  const store = await openPostgresStore({ connectionString: url, schema, maxConnections: 4 });
  await sql(url, `TRUNCATE "${schema}".workflows, "${schema}".events, "${schema}".timers`);
  return store;
});
