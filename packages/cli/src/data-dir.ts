import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type LmdbStore, openLmdbStore } from '@reprise/store-lmdb';
import { CliError } from './errors.js';

/** Where commands keep their data unless `--data` says otherwise. */
export const DEFAULT_DATA_PATH = './.reprise-data';

/**
 * Refuses a `--data` path that is a file, or lies under one, as bad usage (exit 2): no store
 * can live there, whatever its state, so the argument is wrong. Otherwise each command would
 * fail its own way (mkdir's EEXIST, "no data"). Returns the path as given.
 */
export function checkDataPath(path: string): string {
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
  requireData(path);
  return openLmdbStore({ path });
}

/**
 * Refuses a path without Reprise data (`no_data`, exit 3), for a command that acts on what is
 * recorded there; checked before anything is opened, so a mistyped `--data` creates nothing.
 */
export function requireData(path: string): void {
  if (!hasData(path)) {
    throw new CliError(
      'no_data',
      `no Reprise data at ${path} (point --data at the folder your app or worker stores its workflows in)`,
    );
  }
}

/** Runs `task` on an existing store and closes it afterwards. */
export async function withExistingStore<T>(path: string, task: (store: LmdbStore) => Promise<T>): Promise<T> {
  const store = openExistingStore(path);
  try {
    return await task(store);
  } finally {
    await store.close();
  }
}
