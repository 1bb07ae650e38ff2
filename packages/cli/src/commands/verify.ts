import { RepriseError } from '@reprise/core';
import { openLmdbStore } from '@reprise/store-lmdb';
import { walkDataFile } from '@reprise/store-lmdb/internal';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { findWorker } from '../control/find-worker.js';
import { requireData, requireDirectory } from '../data-dir.js';
import { EXIT } from '../exit-codes.js';
import { printable } from '../format/printable.js';

/** What `reprise verify` found, as `--json` prints it. */
interface VerifyReport {
  /** Whether no damage was found. */
  readonly ok: boolean;
  /**
   * Pages of `data.mdb` the structural walk accounted for, or `null` when it was skipped
   * because a worker is writing the store (pages it commits meanwhile would read as damage).
   */
  readonly pages: number | null;
  readonly workflows: number;
  readonly events: number;
  /** Each damaged record or disagreement, in words, naming its key (at most 100). */
  readonly problems: readonly string[];
}

/**
 * `reprise verify`: first walks the pages of `data.mdb` with plain file reads (LMDB checksums
 * no page, and reading through a damaged one faults the process instead of failing); if they
 * hold, reads every record of the store, read-only, and reports each one that is damaged (a
 * checksum that fails, a value that is not what its key says, a gap in a history) and each row
 * or index entry that disagrees with the histories. Beside a running worker the page walk is
 * skipped (its commits would read as damage) and the records are read from one snapshot. Writes
 * nothing. Exits 6 when it finds damage.
 */
export function registerVerify(program: Command, context: CommandContext): void {
  program
    .command('verify')
    .description('check every stored record, read-only; exit 6 when any is damaged')
    .option('--json', 'print the report as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const data = context.data(command);
      requireDirectory(data, 'verify');
      requireData(data);
      const live = (await findWorker(data)) !== undefined;
      const report = await verifyStore(data, live);
      if (options.json) {
        context.out(JSON.stringify(report, null, 2));
        if (!report.ok) context.exitWith(EXIT.store);
        return;
      }
      if (report.pages === null) {
        context.note(
          'a worker is writing this store: the page walk is skipped (stop the worker to walk the pages)',
        );
      }
      if (report.ok) {
        const pages = report.pages === null ? '' : `${report.pages} pages, `;
        context.out(
          `no damage found: ${pages}${report.workflows} workflows, ${report.events} events checked`,
        );
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

async function verifyStore(path: string, live: boolean): Promise<VerifyReport> {
  let pages: number | null = null;
  if (!live) {
    const walk = walkDataFile(path);
    // Damaged pages: LMDB is not let near the file, as reading through them would fault.
    if (walk.problems.length > 0) {
      return { ok: false, pages: walk.pages, workflows: 0, events: 0, problems: walk.problems };
    }
    pages = walk.pages;
  }
  let store: ReturnType<typeof openLmdbStore>;
  try {
    store = openLmdbStore({ path, readOnly: true });
  } catch (error) {
    // A data file LMDB cannot open (its meta pages damaged, cut short) is damage to report.
    if (error instanceof RepriseError && error.code === 'store_corruption') {
      return { ok: false, pages, workflows: 0, events: 0, problems: [error.message] };
    }
    throw error;
  }
  try {
    const { workflows, events, problems } = await store.verify();
    return { ok: problems.length === 0, pages, workflows, events, problems };
  } finally {
    await store.close();
  }
}
