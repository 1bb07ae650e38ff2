import { type VisibilityFilter, WORKFLOW_STATUSES, type WorkflowStatus } from '@reprise/core';
import { systemClock } from '@reprise/engine';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { withExistingStore } from '../data-dir.js';
import { CliError } from '../errors.js';
import { printable } from '../format/printable.js';
import { renderTable } from '../format/table.js';
import { formatDuration, formatTimestamp, preview } from '../format/time.js';
import { parseAttributes } from '../json-arg.js';
import { collect } from './start.js';

/** `reprise list`: the workflows on the data, newest first, as a table (read from the store). */
export function registerList(program: Command, context: CommandContext): void {
  program
    .command('list')
    .description('list workflows, newest first')
    .option('--status <statuses>', `only these statuses, comma-separated (${WORKFLOW_STATUSES.join(', ')})`)
    .option('--type <type>', 'only this workflow type')
    .option('--build <buildId>', 'only runs started by this build id')
    .option(
      '--attr <key=value>',
      'only workflows whose search attribute equals the value (repeatable)',
      collect,
      [],
    )
    .option('--limit <n>', 'at most this many rows', '20')
    .option('--json', 'print the rows as JSON')
    .action(
      async (
        options: {
          status?: string;
          type?: string;
          build?: string;
          attr: string[];
          limit: string;
          json?: boolean;
        },
        command: Command,
      ) => {
        const limit = Number(options.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
          throw new CliError('usage', `--limit ${options.limit} must be a whole number from 1 to 10000`);
        }
        const attributes = parseAttributes(options.attr);
        const filter: VisibilityFilter = {
          ...(options.status ? { status: parseStatuses(options.status) } : {}),
          ...(options.type ? { workflowType: options.type } : {}),
          ...(options.build ? { buildId: options.build } : {}),
          ...(Object.keys(attributes).length > 0 ? { searchAttributes: attributes } : {}),
        };
        await withExistingStore(context.data(command), async (store) => {
          const page = await store.query({ ...filter, limit });
          // Rows whose stored value is damaged are listed by id and key, after the readable ones.
          const corrupt = (page.corrupt ?? []).map(({ workflowId, key, reason }) => ({
            workflowId,
            corrupt: { key, reason },
          }));
          if (options.json) {
            context.out(JSON.stringify([...page.items, ...corrupt], null, 2));
            return;
          }
          const total = await store.count(filter);
          const printCorrupt = () => {
            if (corrupt.length === 0) return;
            context.out('damaged (restore from a backup; `reprise verify` lists every damaged record):');
            for (const row of corrupt) {
              context.out(
                `  ${printable(row.workflowId)}  CORRUPT at ${printable(row.corrupt.key)}: ${printable(row.corrupt.reason)}`,
              );
            }
          };
          if (page.items.length === 0) {
            context.out('no workflows match');
            printCorrupt();
            return;
          }
          const now = systemClock.now();
          const rows = page.items.map((item) => [
            printable(item.workflowId),
            printable(item.workflowType),
            item.status,
            formatTimestamp(item.startedAt),
            item.closedAt === undefined
              ? `${formatDuration(now - item.startedAt)} so far`
              : formatDuration(item.closedAt - item.startedAt),
            item.buildId === undefined ? '' : printable(item.buildId),
            Object.keys(item.searchAttributes).length > 0 ? preview(item.searchAttributes, 50) : '',
          ]);
          context.out(
            renderTable(
              ['WORKFLOW ID', 'TYPE', 'STATUS', 'STARTED', 'DURATION', 'BUILD', 'ATTRIBUTES'],
              rows,
            ),
          );
          if (total > page.items.length)
            context.out(`(${page.items.length} of ${total}; --limit shows more)`);
          printCorrupt();
        });
      },
    );
}

/** `--status a,b`: statuses by name, any case; an unknown one is bad usage naming it. */
export function parseStatuses(text: string): WorkflowStatus[] {
  return text.split(',').map((part) => {
    const wanted = part.trim().toLowerCase();
    const status = WORKFLOW_STATUSES.find((candidate) => candidate.toLowerCase() === wanted);
    if (!status) {
      throw new CliError(
        'usage',
        `--status ${JSON.stringify(part)} is not one of ${WORKFLOW_STATUSES.join(', ')}`,
      );
    }
    return status;
  });
}
