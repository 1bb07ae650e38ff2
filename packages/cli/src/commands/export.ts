import { writeFileSync } from 'node:fs';
import { asWorkflowId, WorkflowNotFoundError } from '@reprise/core';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { withExistingStore } from '../data-dir.js';

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
          writeFileSync(options.out, json);
          context.note(`exported ${history.length} events of ${workflowId} to ${options.out}`);
        } else {
          process.stdout.write(json);
        }
      });
    });
}
