// Schema migrations: applied once under the advisory lock when processes open at once, recorded
// in schema_version; a schema newer than the code, or one that is not a store's, is refused.
import { afterAll, expect, it } from '@jest/globals';
import { StoreFormatError } from '@reprise/core';
import { dropTestSchemas, sql, testSchema } from '../../../test/support/postgres.js';
import { openPostgresStore, SCHEMA_VERSION } from '../src/index.js';

afterAll(() => dropTestSchemas());

it('applies each migration once when several stores open a new schema at once', async () => {
  const { url, schema } = await testSchema('versions');
  const stores = await Promise.all(
    Array.from({ length: 4 }, () => openPostgresStore({ connectionString: url, schema, maxConnections: 1 })),
  );
  await Promise.all(stores.map((store) => store.close()));
  const rows = await sql<{ version: number }>(
    url,
    `SELECT version FROM "${schema}".schema_version ORDER BY version`,
  );
  expect(rows.map((row) => row.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
});

it('refuses a schema at a later version, and changes nothing in it', async () => {
  const { url, schema } = await testSchema('versions');
  await (await openPostgresStore({ connectionString: url, schema })).close();
  await sql(
    url,
    `INSERT INTO "${schema}".schema_version (version, name) VALUES ($1, 'from-the-future.sql')`,
    [SCHEMA_VERSION + 1],
  );
  const error = await openPostgresStore({ connectionString: url, schema }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(StoreFormatError);
  expect(error).toMatchObject({ found: SCHEMA_VERSION + 1, supported: SCHEMA_VERSION });
  expect((error as Error).message).toContain(schema);
  const rows = await sql<{ version: number }>(
    url,
    `SELECT max(version) AS version FROM "${schema}".schema_version`,
  );
  expect(rows[0]?.version).toBe(SCHEMA_VERSION + 1);
});

it('refuses a schema that holds tables of something else', async () => {
  const { url, schema } = await testSchema('versions');
  await sql(url, `CREATE SCHEMA "${schema}"`);
  await sql(url, `CREATE TABLE "${schema}".invoices (id integer)`);
  await expect(openPostgresStore({ connectionString: url, schema })).rejects.toBeInstanceOf(StoreFormatError);
  const tables = await sql<{ name: string }>(
    url,
    'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1',
    [schema],
  );
  expect(tables.map((row) => row.name)).toEqual(['invoices']);
});

it('keeps the shard count a schema was created with', async () => {
  const { url, schema } = await testSchema('versions');
  const created = await openPostgresStore({ connectionString: url, schema, shardCount: 8 });
  expect(created.shardCount).toBe(8);
  await created.close();
  const reopened = await openPostgresStore({ connectionString: url }, { schema, shardCount: 16 });
  expect(reopened.shardCount).toBe(8);
  await reopened.close();
});
