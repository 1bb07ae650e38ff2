import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StoreFormatError } from '@reprise/core';
import type { PoolClient } from 'pg';

/**
 * The schema version this code reads and writes: the number of the last file in the package's
 * `migrations/` folder. A database at a later version is refused (`StoreFormatError`).
 */
export const SCHEMA_VERSION = 1;

/** One versioned SQL file of `migrations/`, named `NNN_what.sql`. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** The package's `migrations/` folder (beside `src/` and `dist/`). */
const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

let cached: readonly Migration[] | undefined;

/** The migrations shipped with the package, in version order: 1, 2, ... `SCHEMA_VERSION`. */
export function migrations(): readonly Migration[] {
  if (cached) return cached;
  const found = readdirSync(MIGRATIONS_DIR)
    .flatMap((name) => {
      const match = /^(\d+)_[a-z0-9_-]+\.sql$/.exec(name);
      return match
        ? [{ version: Number(match[1]), name, sql: readFileSync(join(MIGRATIONS_DIR, name), 'utf8') }]
        : [];
    })
    .sort((a, b) => a.version - b.version);
  found.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`${MIGRATIONS_DIR}: expected migration ${index + 1}, found ${migration.name}`);
    }
  });
  if (found.length !== SCHEMA_VERSION) {
    throw new Error(
      `${MIGRATIONS_DIR} holds ${found.length} migrations; this code is at version ${SCHEMA_VERSION}`,
    );
  }
  cached = found;
  return found;
}

/** A schema name, quoted for SQL (names are checked by `checkOptions`). */
export const quoted = (schema: string): string => `"${schema}"`;

/**
 * Brings `schema` to `SCHEMA_VERSION` in one transaction, under a transaction-scoped advisory
 * lock on the schema's name, so processes opening the store at once apply each migration once:
 * creates the schema and its `schema_version` table if missing, applies the missing migrations
 * in order and records each. Refuses (`StoreFormatError`) a schema at a later version than this
 * code, and a schema that holds tables but no `schema_version` (not a store of ours).
 * A schema created now gets `shardCount` shards. Returns the version found before and the
 * schema's shard count.
 */
export async function migrate(
  client: PoolClient,
  schema: string,
  target: string,
  shardCount: number,
): Promise<{ found: number; shardCount: number }> {
  const q = quoted(schema);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`reprise schema ${schema}`]);
    const tables = await client.query<{ name: string }>(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1',
      [schema],
    );
    const names = new Set(tables.rows.map((row) => row.name));
    let found = 0;
    if (names.has('schema_version')) {
      const version = await client.query<{ version: number | null }>(
        `SELECT max(version) AS version FROM ${q}.schema_version`,
      );
      found = version.rows[0]?.version ?? 0;
    } else if (names.size > 0) {
      throw new StoreFormatError(`${target} schema ${schema}`, undefined, SCHEMA_VERSION);
    }
    if (found > SCHEMA_VERSION)
      throw new StoreFormatError(`${target} schema ${schema}`, found, SCHEMA_VERSION);
    if (found < SCHEMA_VERSION) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${q}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${q}.schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      await client.query(`SET LOCAL search_path TO ${q}`);
      for (const migration of migrations().slice(found)) {
        await client.query(migration.sql);
        await client.query(`INSERT INTO ${q}.schema_version (version, name) VALUES ($1, $2)`, [
          migration.version,
          migration.name,
        ]);
      }
      if (found === 0) {
        await client.query(`INSERT INTO ${q}.store_config (shard_count) VALUES ($1)`, [shardCount]);
        for (const table of ['shard_leases', 'shard_epochs']) {
          await client.query(`INSERT INTO ${q}.${table} (shard) SELECT generate_series(0, $1::int - 1)`, [
            shardCount,
          ]);
        }
      }
    }
    const config = await client.query<{ shard_count: number }>(`SELECT shard_count FROM ${q}.store_config`);
    await client.query('COMMIT');
    return { found, shardCount: config.rows[0]?.shard_count ?? shardCount };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
