import { RepriseError } from '@reprise/core';
import { openLmdbStore } from '@reprise/store-lmdb';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { requireData } from '../data-dir.js';
import { EXIT } from '../exit-codes.js';
import { printable } from '../format/printable.js';

/** What `reprise verify` found, as `--json` prints it. */
interface VerifyReport {
  /** Whether no damage was found. */
  readonly ok: boolean;
  readonly workflows: number;
  readonly events: number;
  /** Each damaged record or disagreement, in words, naming its key (at most 100). */
  readonly problems: readonly string[];
}

/**
 * `reprise verify`: reads every record of the store, read-only, and reports each one that is
 * damaged (a checksum that fails, a value that is not JSON, a gap in a history) and each row or
 * index entry that disagrees with the histories. Safe beside a running worker: it reads one
 * snapshot and writes nothing. Exits 6 when it finds damage.
 */
export function registerVerify(program: Command, context: CommandContext): void {
  program
    .command('verify')
    .description('check every stored record, read-only; exit 6 when any is damaged')
    .option('--json', 'print the report as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const data = context.data(command);
      requireData(data);
      const report = await verifyStore(data);
      if (options.json) {
        context.out(JSON.stringify(report, null, 2));
      } else if (report.ok) {
        context.out(`no damage found: ${report.workflows} workflows, ${report.events} events checked`);
      } else {
        context.out(
          `damage found (${report.problems.length}${report.problems.length >= 100 ? '+' : ''} problems; ` +
            `${report.workflows} workflows, ${report.events} events read):`,
        );
        for (const problem of report.problems) context.out(`  ${printable(problem)}`);
      }
      if (!report.ok) context.exitWith(EXIT.store);
    });
}

async function verifyStore(path: string): Promise<VerifyReport> {
  let store: ReturnType<typeof openLmdbStore>;
  try {
    store = openLmdbStore({ path, readOnly: true });
  } catch (error) {
    // A data file LMDB cannot open (its meta pages damaged, cut short) is damage to report.
    if (error instanceof RepriseError && error.code === 'store_corruption') {
      return { ok: false, workflows: 0, events: 0, problems: [error.message] };
    }
    throw error;
  }
  try {
    const { workflows, events, problems } = await store.verify();
    return { ok: problems.length === 0, workflows, events, problems };
  } finally {
    await store.close();
  }
}
