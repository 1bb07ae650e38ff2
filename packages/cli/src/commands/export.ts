import { writeFileSync } from 'node:fs';
import { asWorkflowId, WorkflowNotFoundError } from '@reprise/core';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { withExistingStore } from '../data-dir.js';
import { CliError } from '../errors.js';

/**
 * Writes the export to `path`. A path the system refuses (a directory, a missing folder, no
 * permission) is bad usage in one line naming it, not a raw EISDIR.
 */
function writeOut(path: string, json: string): void {
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
    throw new CliError('usage', `--out ${JSON.stringify(path)} ${why[code]}`, { cause: error });
  }
}

/**
 * `reprise export <id>`: the workflow's whole history (every run) as a JSON array of events,
 * to stdout or `--out <file>`: plain data that can be replayed elsewhere or kept as a fixture.
 */
export function registerExport(program: Command, context: CommandContext): void {
  program
    .command('export')
    .description("write a workflow's history as JSON")
    .argument('<workflowId>', 'the workflow id')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (workflowId: string, options: { out?: string }, command: Command) => {
      await withExistingStore(context.data(command), async (store) => {
        const history = await store.readHistory(asWorkflowId(workflowId));
        if (history.length === 0) throw new WorkflowNotFoundError(workflowId);
        const json = `${JSON.stringify(history, null, 2)}\n`;
        if (options.out) {
          writeOut(options.out, json);
          context.note(`exported ${history.length} events of ${workflowId} to ${options.out}`);
        } else {
          process.stdout.write(json);
        }
      });
    });
}
