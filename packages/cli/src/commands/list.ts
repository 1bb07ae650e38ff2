import {
  asWorkflowId,
  type VisibilityPage,
  WORKFLOW_STATUSES,
  type WorkflowStatus,
  type WorkflowSummary,
} from '@reprise/core';
import { systemClock } from '@reprise/engine';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { askWorkerIfRunning } from '../control/ask-worker.js';
import { requireData, withExistingStore } from '../data-dir.js';
import { CliError } from '../errors.js';
import { type FilterOptions, filterFromOptions } from '../filter-args.js';
import { printable } from '../format/printable.js';
import { coloursFor, styledStatus } from '../format/style.js';
import { renderTable } from '../format/table.js';
import { formatDuration, formatTimestamp, preview } from '../format/time.js';
import { type RunRow, runsOfHistory } from '../runs.js';
import { collect } from './start.js';

/** A row of `list`: the store's summary, marked when a worker knows the run is stalled. */
type ListRow = WorkflowSummary & { readonly stalled?: { readonly reason: string } };

interface ListOptions extends FilterOptions {
  limit: string;
  cursor?: string;
  allRuns?: boolean;
  json?: boolean;
}

/**
 * `reprise list`: the workflows on the data, newest first, a page at a time. Rows come from the
 * store; with a worker running they come through its engine, which also marks stalled runs
 * (a stall is known only to the engine that replayed the run).
 */
export function registerList(program: Command, context: CommandContext): void {
  program
    .command('list')
    .description('list workflows, newest first')
    .option('--status <statuses>', `only these statuses, comma-separated (${WORKFLOW_STATUSES.join(', ')})`)
    .option('--type <type>', 'only this workflow type')
    .option('--build <buildId>', 'only workflows whose latest run was started by this build id')
    .option(
      '--attr <key=value>',
      'only workflows whose search attribute equals the value (repeatable)',
      collect,
      [],
    )
    .option(
      '--started-after <time>',
      'latest run started after (ISO date or time, a duration ago such as 2h, or epoch ms)',
    )
    .option('--started-before <time>', 'latest run started before')
    .option('--closed-after <time>', 'latest run closed after (open runs never match)')
    .option('--closed-before <time>', 'latest run closed before (open runs never match)')
    .option('--limit <n>', 'at most this many rows', '20')
    .option('--cursor <cursor>', 'the next page, as the previous page printed it')
    .option('--all-runs', 'one row per run of each workflow, not only the latest')
    .option('--json', 'print { items, cursor? } as JSON')
    .action(async (options: ListOptions, command: Command) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
        throw new CliError('usage', `--limit ${options.limit} must be a whole number from 1 to 10000`);
      }
      const now = systemClock.now();
      const filter = filterFromOptions(options, now);
      const data = context.data(command);
      requireData(data);
      const pageFilter = { ...filter, limit, ...(options.cursor ? { cursor: options.cursor } : {}) };
      const fromWorker = await askWorkerIfRunning(data, { op: 'list', filter: pageFilter as never });
      await withExistingStore(data, async (store) => {
        const page =
          (fromWorker?.value as unknown as VisibilityPage | undefined) ?? (await store.query(pageFilter));
        const rows = page.items as readonly ListRow[];
        const runs = options.allRuns
          ? (
              await Promise.all(
                rows.map(async (row) =>
                  runsOfHistory(row.workflowId, await store.readHistory(asWorkflowId(row.workflowId))),
                ),
              )
            ).flat()
          : undefined;
        if (options.json) {
          context.out(
            JSON.stringify(
              {
                items: runs ?? rows,
                ...(page.cursor ? { cursor: page.cursor } : {}),
                ...(page.corrupt ? { corrupt: page.corrupt } : {}),
              },
              null,
              2,
            ),
          );
          return;
        }
        // Rows whose stored value is damaged are listed by id and key, after the readable ones.
        const printCorrupt = () => {
          if (!page.corrupt?.length) return;
          context.out('damaged (restore from a backup; `reprise verify` lists every damaged record):');
          for (const { workflowId, key, reason } of page.corrupt) {
            context.out(`  ${printable(workflowId)}  CORRUPT at ${printable(key)}: ${printable(reason)}`);
          }
        };
        if (rows.length === 0) {
          context.out(options.cursor ? 'no more workflows match' : 'no workflows match');
          printCorrupt();
          return;
        }
        const colours = coloursFor();
        const stalled = new Set(rows.filter((row) => row.stalled).map((row) => row.workflowId as string));
        const duration = (item: { startedAt: number; closedAt?: number }) =>
          item.closedAt === undefined
            ? `${formatDuration(now - item.startedAt)} so far`
            : formatDuration(item.closedAt - item.startedAt);
        const status = (
          item: { workflowId: string; status: WorkflowStatus; paused?: boolean },
          latest: boolean,
        ) =>
          styledStatus(
            colours,
            latest && stalled.has(item.workflowId)
              ? 'Stalled'
              : latest && item.paused
                ? 'Paused'
                : item.status,
          );
        const table = runs
          ? renderTable(
              ['WORKFLOW ID', 'RUN', 'TYPE', 'STATUS', 'STARTED', 'DURATION'].map((title) =>
                colours.bold(title),
              ),
              runs.map((run: RunRow, index) => [
                printable(run.workflowId),
                printable(run.runId),
                printable(run.workflowType),
                status(run, index === 0 || runs[index - 1]?.workflowId !== run.workflowId),
                formatTimestamp(run.startedAt),
                duration(run),
              ]),
            )
          : renderTable(
              ['WORKFLOW ID', 'TYPE', 'STATUS', 'STARTED', 'DURATION', 'BUILD', 'ATTRIBUTES'].map((title) =>
                colours.bold(title),
              ),
              rows.map((item) => [
                printable(item.workflowId),
                printable(item.workflowType),
                status(item, true),
                formatTimestamp(item.startedAt),
                duration(item),
                item.buildId === undefined ? '' : printable(item.buildId),
                Object.keys(item.searchAttributes).length > 0 ? preview(item.searchAttributes, 50) : '',
              ]),
            );
        context.out(table);
        for (const row of rows) {
          if (row.stalled)
            context.out(`(${printable(row.workflowId)} is stalled: ${row.stalled.reason.split('\n')[0]})`);
        }
        if (!options.cursor) {
          const total = await store.count(filter);
          if (total > rows.length) context.out(`(${rows.length} of ${total}; --limit shows more)`);
        }
        if (page.cursor) context.out(`(next page: --cursor ${page.cursor})`);
        printCorrupt();
      });
    });
}
