import { StoreFormatError } from '@reprise/core';
import { FORMAT_VERSION, openLmdbStore } from '@reprise/store-lmdb';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { findWorker } from '../control/find-worker.js';
import { requireData } from '../data-dir.js';
import { CliError } from '../errors.js';

/** What `reprise migrate --json` prints. */
interface MigrateReport {
  readonly path: string;
  /** The format the store had; equal to `to` when there was nothing to do. */
  readonly from: number;
  readonly to: number;
  readonly migrated: boolean;
}

/**
 * `reprise migrate`: rewrites a store of an earlier format this version migrates (format 4) in
 * the current format, in place, in one transaction (a crash leaves the old format whole, and
 * the command can be run again). Refused while a worker holds the data directory: stop it first.
 * A store already in the current format is left as it is. A format it does not migrate is
 * refused (`store_format_unsupported`, exit 6).
 */
export function registerMigrate(program: Command, context: CommandContext): void {
  program
    .command('migrate')
    .description(
      `rewrite a store of an earlier format as format ${FORMAT_VERSION}, in place (stop the worker first)`,
    )
    .option('--json', 'print { path, from, to, migrated } as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const data = context.data(command);
      requireData(data);
      if (await findWorker(data)) {
        throw new CliError('data_busy', `a worker is using ${data}; stop it, then run reprise migrate`);
      }
      const report = await migrate(data);
      context.out(
        options.json
          ? JSON.stringify(report)
          : report.migrated
            ? `migrated ${data} from format ${report.from} to ${report.to}`
            : `${data} is already format ${report.to}; nothing to do`,
      );
    });
}

async function migrate(path: string): Promise<MigrateReport> {
  let from = FORMAT_VERSION;
  try {
    // Read-only first: a store of an earlier format that can be migrated is refused, saying so.
    await openLmdbStore({ path, readOnly: true }).close();
  } catch (error) {
    if (!(error instanceof StoreFormatError) || error.migrate === undefined || error.found === undefined) {
      throw error;
    }
    from = error.found;
  }
  if (from !== FORMAT_VERSION) await openLmdbStore({ path }).close(); // migrates in one transaction
  return { path, from, to: FORMAT_VERSION, migrated: from !== FORMAT_VERSION };
}
