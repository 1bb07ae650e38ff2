import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { withExistingLmdbStore } from '../data-dir.js';

/**
 * `reprise backup <file>`: a consistent, compacted copy of the store in one file, made while
 * a worker may be writing (LMDB copies from one read transaction). Restoring is copying the file
 * back as `data.mdb` into an empty data directory, with no process using it.
 */
export function registerBackup(program: Command, context: CommandContext): void {
  program
    .command('backup')
    .description('write a consistent, compacted copy of the store to a file (safe beside a worker)')
    .argument('<file>', 'the file to write; it must not exist')
    .option('--json', 'print { file, bytes } as JSON')
    .action(async (file: string, options: { json?: boolean }, command: Command) => {
      const data = context.data(command);
      await withExistingLmdbStore(data, 'backup', (store) => store.backup(file));
      const target = resolve(file);
      const bytes = statSync(target).size;
      context.out(
        options.json
          ? JSON.stringify({ file: target, bytes })
          : `backed up ${data} to ${target} (${bytes} bytes); restore: copy it to <empty data directory>/data.mdb`,
      );
    });
}
