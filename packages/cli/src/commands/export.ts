import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  asWorkflowId,
  toExportedHistory,
  type VisibilityFilter,
  type WorkflowId,
  WorkflowNotFoundError,
} from '@reprise/core';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { type CommandStore, withExistingStore } from '../data-dir.js';
import { CliError } from '../errors.js';
import { parseStatuses } from '../filter-args.js';
import { startProgress } from '../format/progress.js';

/**
 * Writes the export to `path`. A path the system refuses (a directory, a missing folder, no
 * permission) is bad usage in one line naming it, not a raw EISDIR.
 */
function writeOut(path: string, json: string, option = '--out'): void {
  try {
    writeFileSync(path, json);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why: Record<string, string> = {
      EISDIR: 'is a directory',
      ENOENT: 'is in a folder that does not exist',
      ENOTDIR: 'lies under a file',
      EACCES: 'cannot be written (permission denied)',
    };
    if (code === undefined || why[code] === undefined) throw error;
    throw new CliError('usage', `${option} ${JSON.stringify(path)} ${why[code]}`, { cause: error });
  }
}

/** `--out <dir>` of `--all`: made if missing; a file there is bad usage. */
function outputDir(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    throw new CliError(
      'usage',
      `--out ${JSON.stringify(path)} cannot be a folder: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (!statSync(path).isDirectory())
    throw new CliError('usage', `--out ${JSON.stringify(path)} is not a folder`);
}

/** The file name of a workflow's export: its id, with what a file name cannot hold escaped. */
export const exportFileName = (workflowId: string): string =>
  `${encodeURIComponent(workflowId).replace(/^\./, '%2E')}.json`;

/**
 * `reprise export <id>`: the workflow's whole history (every run) in the exported-history format
 * (`{ "format": "reprise.history", "version": 1, "workflowId", "events" }`, core's
 * `toExportedHistory`), to stdout or `--out <file>`. `reprise export --all [--status s] --out
 * <dir>` writes one such file per workflow, named by its id: the folder `reprise replay
 * --workflows` and the testkit's `readHistoryFiles` read.
 */
export function registerExport(program: Command, context: CommandContext): void {
  program
    .command('export')
    .description("write a workflow's history (or, with --all, every workflow's) as JSON")
    .argument('[workflowId]', 'the workflow id')
    .option('--all', 'export every workflow (with --status, those of these statuses) into the --out folder')
    .option('--status <statuses>', 'with --all: only these statuses, comma-separated')
    .option('--out <path>', 'write to this file (a folder with --all) instead of stdout')
    .action(
      async (
        workflowId: string | undefined,
        options: { all?: boolean; status?: string; out?: string },
        command: Command,
      ) => {
        if (Boolean(workflowId) === Boolean(options.all)) {
          throw new CliError('usage', 'export needs a workflow id or --all (not both)');
        }
        if (options.status && !options.all) throw new CliError('usage', '--status goes with --all');
        if (options.all && !options.out) throw new CliError('usage', 'export --all needs --out <folder>');
        await withExistingStore(context.data(command), async (store) => {
          if (options.all) {
            const out = options.out as string;
            const filter: VisibilityFilter = options.status ? { status: parseStatuses(options.status) } : {};
            outputDir(out);
            let count = 0;
            const ids = await workflowIds(store, filter);
            const bar = startProgress('export', ids.length);
            try {
              for (const id of ids) {
                const history = await store.readHistory(id);
                bar.advance();
                if (history.length === 0) continue;
                writeOut(
                  join(out, exportFileName(id)),
                  `${JSON.stringify(toExportedHistory(history), null, 2)}\n`,
                );
                count++;
              }
            } finally {
              bar.stop();
            }
            context.note(`exported ${count} workflow(s) to ${out}`);
            return;
          }
          const history = await store.readHistory(asWorkflowId(workflowId as string));
          if (history.length === 0) throw new WorkflowNotFoundError(workflowId as string);
          const json = `${JSON.stringify(toExportedHistory(history), null, 2)}\n`;
          if (options.out) {
            writeOut(options.out, json);
            context.note(`exported ${history.length} events of ${workflowId} to ${options.out}`);
          } else {
            process.stdout.write(json);
          }
        });
      },
    );
}

async function workflowIds(store: CommandStore, filter: VisibilityFilter): Promise<WorkflowId[]> {
  const ids: WorkflowId[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ ...filter, limit: 1000, ...(cursor ? { cursor } : {}) });
    ids.push(...page.items.map((item) => item.workflowId));
    cursor = page.cursor;
  } while (cursor);
  return ids;
}
