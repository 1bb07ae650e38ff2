import { systemClock } from '@reprise/engine';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { askWorkerIfRunning } from '../control/ask-worker.js';
import { ControlServer } from '../control/control-server.js';
import { isPostgres, requireData, withExistingStore } from '../data-dir.js';
import { CliError } from '../errors.js';
import { startProgress } from '../format/progress.js';
import { formatTimestamp } from '../format/time.js';
import { pruneAll } from '../prune.js';
import { parseTimeArgument } from '../time-arg.js';

interface PruneOptions {
  closedBefore?: string;
  type?: string;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * `reprise prune --closed-before <time> [--type t] [--dry-run]`: deletes closed workflows
 * (history, visibility row, index entries) whose latest run closed before the time, in batches
 * of 100, each one transaction: a crash leaves each workflow whole or gone. A child whose parent
 * still runs is kept. With a worker running, its engine deletes them (the one writer of the
 * directory); otherwise the command holds the directory while it deletes.
 */
export function registerPrune(program: Command, context: CommandContext): void {
  program
    .command('prune')
    .description('delete closed workflows that closed before a time')
    .requiredOption(
      '--closed-before <time>',
      'latest run closed before (ISO date or time, a duration ago such as 30d, or epoch ms)',
    )
    .option('--type <type>', 'only this workflow type')
    .option('--dry-run', 'say what would be deleted, delete nothing')
    .option('--json', 'print { deleted: [ids], dryRun } as JSON')
    .action(async (options: PruneOptions, command: Command) => {
      const data = context.data(command);
      const closedBefore = parseTimeArgument(
        '--closed-before',
        options.closedBefore ?? '',
        systemClock.now(),
      );
      requireData(data);
      const selection = {
        closedBefore,
        ...(options.type === undefined ? {} : { workflowType: options.type }),
        ...(options.dryRun ? { dryRun: true } : {}),
      };
      let ids: string[];
      const viaWorker = options.dryRun
        ? undefined
        : await askWorkerIfRunning(data, { op: 'prune', ...selection } as never);
      if (viaWorker) {
        ids = (viaWorker.value as { deleted: string[] }).deleted;
      } else if (options.dryRun) {
        ids = await withExistingStore(data, (store) => pruneAll(store, selection));
      } else if (isPostgres(data)) {
        // Deleting on PostgreSQL is conditional on each row being unchanged: safe beside engines.
        ids = await withExistingStore(data, (store) => pruneAll(store, selection));
      } else {
        ids = await pruneHolding(data, selection);
      }
      if (options.json) {
        context.out(JSON.stringify({ deleted: ids, dryRun: options.dryRun === true }));
        return;
      }
      const what = `${ids.length} workflow(s) closed before ${formatTimestamp(closedBefore)}${options.type ? ` of type ${options.type}` : ''}`;
      context.out(options.dryRun ? `would delete ${what}` : `deleted ${what}`);
    });
}

/** Prunes with the data directory held, so no engine writes beside the deletion; a bar on a terminal. */
async function pruneHolding(
  data: string,
  selection: { closedBefore: number; workflowType?: string },
): Promise<string[]> {
  const claim = await ControlServer.claim(data, 'command', 'reprise prune');
  if (claim.kind !== 'claimed') {
    throw new CliError(
      'data_busy',
      `${data} is in use by ${claim.holder.name} (pid ${claim.holder.pid}); try again`,
    );
  }
  try {
    return await withExistingStore(data, async (store) => {
      const total = await store.count({
        closedBefore: selection.closedBefore,
        ...(selection.workflowType === undefined ? {} : { workflowType: selection.workflowType }),
      });
      const bar = startProgress('prune', total);
      try {
        return await pruneAll(store, selection, (count) => bar.advance(count));
      } finally {
        bar.stop();
      }
    });
  } finally {
    await claim.server.close();
  }
}
