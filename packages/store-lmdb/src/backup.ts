import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, StoreUnavailableError } from '@reprise/core';
import type { Key, RootDatabase } from 'lmdb';

/**
 * A compacted copy of the environment at `file`, made by LMDB (`mdb_env_copy2` with
 * `MDB_CP_COMPACT`) inside one read transaction: a consistent snapshot even while another
 * process appends, without free pages. LMDB writes the copy as `data.mdb` in a directory: it is
 * made in a new directory beside `file`, then renamed to `file`, so a backup cut short (a crash,
 * a full disk) never leaves a file under that name. Refuses a file that exists.
 */
export async function backupTo(
  root: RootDatabase<Buffer, Key>,
  storePath: string,
  file: string,
): Promise<void> {
  if (typeof file !== 'string' || file === '') {
    throw new InvalidArgumentError('file', `${JSON.stringify(file)} must be a file path`);
  }
  const target = resolve(file);
  if (existsSync(target))
    throw new InvalidArgumentError('file', `${target} exists; a backup never overwrites a file`);
  let scratch: string | undefined;
  try {
    scratch = mkdtempSync(join(dirname(target), `.${basename(target)}-`));
    await root.backup(scratch, true);
    renameSync(join(scratch, 'data.mdb'), target);
  } catch (error) {
    throw new StoreUnavailableError(
      storePath,
      'backup',
      `cannot write the backup to ${target}: ${String(error)}`,
      {
        cause: error,
      },
    );
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}
