import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { RetentionStore, WorkflowStore } from '@reprise/core';
import { type LmdbStore, openLmdbStore } from '@reprise/store-lmdb';
import { openPostgresStore, type PostgresStore } from '@reprise/store-postgres';
import { CliError } from './errors.js';

/**
 * Where a command's workflows are: a data directory (`--data`, LMDB), or a PostgreSQL URL
 * (`--pg`). Commands pass it around as one string; `isPostgres` tells which.
 */
export const isPostgres = (location: string): boolean => /^postgres(ql)?:\/\//i.test(location);

/** What every store a command opens offers. */
export type CommandStore = WorkflowStore & RetentionStore;

/**
 * Opens the PostgreSQL store of a `--pg` URL: its `schema` query parameter names the schema
 * (default `reprise`); the rest is the connection string. An unreachable server fails after a few
 * seconds, as `StoreUnavailableError`.
 */
export async function openPostgresLocation(location: string): Promise<PostgresStore> {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new CliError('usage', `--pg ${location} is not a URL (postgresql://user@host:5432/database)`);
  }
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  return openPostgresStore({
    connectionString: url.toString(),
    reconnectTimeoutMs: 3_000,
    ...(schema === undefined ? {} : { schema }),
  });
}

/** Refuses `--pg` for a command that works on an LMDB data directory only. */
export function requireDirectory(location: string, command: string): void {
  if (isPostgres(location)) {
    throw new CliError(
      'usage',
      `reprise ${command} works on a data directory (--data); it is not available with --pg`,
    );
  }
}

/** Where commands keep their data unless `--data` says otherwise. */
export const DEFAULT_DATA_PATH = './.reprise-data';

/**
 * Refuses a `--data` path that is a file, or lies under one, as bad usage (exit 2): no store
 * can live there, whatever its state, so the argument is wrong. Otherwise each command would
 * fail its own way (mkdir's EEXIST, "no data"). Returns the path as given.
 */
export function checkDataPath(path: string): string {
  if (isPostgres(path)) return path;
  const given = resolve(path);
  for (let probe = given; ; probe = dirname(probe)) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(probe).isDirectory();
    } catch {
      // Missing (a data directory is created there) or unreadable (the open says why).
      if (dirname(probe) === probe) return path;
      continue;
    }
    if (isDirectory) return path;
    throw new CliError(
      'usage',
      probe === given
        ? `--data ${path} is a file; it must be a data directory (LMDB keeps its files in one)`
        : `--data ${path} lies under the file ${probe}; it must be a data directory`,
    );
  }
}

/** Whether `path` holds a Reprise LMDB environment. */
const hasData = (path: string): boolean => existsSync(join(resolve(path), 'data.mdb'));

/**
 * Opens an existing store for a command that only reads it (`list`, `show`, `describe`,
 * `export`, `replay`). A missing directory is an error rather than a new empty store, so a
 * mistyped `--data` says so. Reading beside a running worker is safe: LMDB readers see whole
 * commits and never block the writer.
 */
export function openExistingStore(path: string): LmdbStore {
  requireDirectory(path, 'ui');
  requireData(path);
  return openLmdbStore({ path });
}

/**
 * Refuses a path without Reprise data (`no_data`, exit 3), for a command that acts on what is
 * recorded there; checked before anything is opened, so a mistyped `--data` creates nothing.
 */
export function requireData(path: string): void {
  if (isPostgres(path)) return; // the schema is created, empty, when missing
  if (!hasData(path)) {
    throw new CliError(
      'no_data',
      `no Reprise data at ${path} (point --data at the folder your app or worker stores its workflows in)`,
    );
  }
}

/** Runs `task` on an existing store (a data directory, or PostgreSQL) and closes it afterwards. */
export async function withExistingStore<T>(
  location: string,
  task: (store: CommandStore) => Promise<T>,
): Promise<T> {
  const store = isPostgres(location) ? await openPostgresLocation(location) : openExistingStore(location);
  try {
    return await task(store);
  } finally {
    await store.close();
  }
}

/** Runs `task` on an existing LMDB store (a command that needs one: backup) and closes it afterwards. */
export async function withExistingLmdbStore<T>(
  path: string,
  command: string,
  task: (store: LmdbStore) => Promise<T>,
): Promise<T> {
  requireDirectory(path, command);
  const store = openExistingStore(path);
  try {
    return await task(store);
  } finally {
    await store.close();
  }
}
