// PostgreSQL for test files: the server's URL, and schemas of their own.
//
// The server is REPRISE_TEST_PG_URL when set (CI's `.ci/run` starts one); otherwise the throwaway
// cluster that the first test file asking for one starts (see pg-global-setup.cjs), shared by every
// jest worker of the run. Each test gets schemas with random names, so parallel workers never
// meet, and `dropTestSchemas` drops them at the end of the file.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const ROOT = resolve(__dirname, '../..');
/** The script that starts and stops throwaway clusters. */
export const PG_CLUSTER_SCRIPT = join(ROOT, 'scripts/pg-cluster.mjs');

const run = promisify(execFile);

/** A throwaway cluster started by `scripts/pg-cluster.mjs`. */
export interface Cluster {
  readonly url: string;
  readonly dir: string;
  readonly port: number;
}

/** Starts a cluster of the test's own (to restart or stop it); `stopCluster` removes it. */
export async function startCluster(): Promise<Cluster> {
  const { stdout } = await run(process.execPath, [PG_CLUSTER_SCRIPT, 'start', '--json'], {
    timeout: 120_000,
  });
  return JSON.parse(stdout) as Cluster;
}

/** Stops a cluster from `startCluster` and deletes its folder. */
export async function stopCluster(cluster: Cluster): Promise<void> {
  await run(process.execPath, [PG_CLUSTER_SCRIPT, 'stop', cluster.dir], { timeout: 120_000 });
}

/** `pg_ctl restart -m fast` on a cluster from `startCluster`: every connection is cut. */
export async function restartCluster(cluster: Cluster): Promise<void> {
  await run(process.execPath, [PG_CLUSTER_SCRIPT, 'restart', cluster.dir], { timeout: 120_000 });
}

let shared: Promise<string> | undefined;

/** The URL of the run's PostgreSQL server (see the module comment). */
export function testPgUrl(): Promise<string> {
  shared ??= findServer();
  return shared;
}

async function findServer(): Promise<string> {
  const given = process.env.REPRISE_TEST_PG_URL;
  if (given) return given;
  const lazy = process.env.REPRISE_TEST_PG_LAZY_DIR;
  if (!lazy) {
    throw new Error(
      'no PostgreSQL for tests: set REPRISE_TEST_PG_URL, or run the tests through jest (whose global setup provides one)',
    );
  }
  const file = join(lazy, 'cluster.json');
  const failure = join(lazy, 'error.txt');
  let first = false;
  try {
    mkdirSync(join(lazy, 'lock'));
    first = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (first) {
    try {
      const cluster = await startCluster();
      writeFileSync(`${file}.tmp`, JSON.stringify(cluster));
      renameSync(`${file}.tmp`, file); // whole or absent for the workers that read it
      return cluster.url;
    } catch (error) {
      writeFileSync(failure, String((error as Error).message));
      throw error;
    }
  }
  // Another worker is starting it: wait for the file it writes (an event, not a duration).
  for (let waited = 0; waited < 1200; waited++) {
    const cluster = readJson(file);
    if (cluster) return (cluster as Cluster).url;
    let reason: string | undefined;
    try {
      reason = readFileSync(failure, 'utf8');
    } catch {
      // not failed (yet)
    }
    if (reason !== undefined) throw new Error(`the test cluster did not start: ${reason}`);
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error('the test cluster did not start within 120 s');
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A schema name nobody else uses: `prefix` and random letters. */
export function randomSchemaName(prefix = 'test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

const created = new Map<string, string>();

/** A fresh schema name in the run's server, dropped by `dropTestSchemas`. */
export async function testSchema(prefix = 'test'): Promise<{ url: string; schema: string }> {
  const url = await testPgUrl();
  const schema = randomSchemaName(prefix);
  created.set(schema, url);
  return { url, schema };
}

/** Drops every schema `testSchema` handed out in this file (call it in `afterAll`). */
export async function dropTestSchemas(): Promise<void> {
  const byUrl = new Map<string, string[]>();
  for (const [schema, url] of created) byUrl.set(url, [...(byUrl.get(url) ?? []), schema]);
  created.clear();
  for (const [url, schemas] of byUrl) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await client.end();
    }
  }
}

/** Runs one statement on the server (for tests that look under the store or damage it). */
export async function sql<Row extends Record<string, unknown> = Record<string, unknown>>(
  url: string,
  text: string,
  values: readonly unknown[] = [],
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(text, values as unknown[])).rows;
  } finally {
    await client.end();
  }
}
