import { asWorkflowId, statusFromEvents, WorkflowNotFoundError } from '@reprise/core';
import { timelineLines } from '@reprise/core/internal';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { withExistingStore } from '../data-dir.js';
import { printable } from '../format/printable.js';

/** `reprise show <id>`: the workflow's history as a timeline (`--json`: the raw events). */
export function registerShow(program: Command, context: CommandContext): void {
  program
    .command('show')
    .description("a workflow's history as a timeline with durations")
    .argument('<workflowId>', 'the workflow id')
    .option('--json', 'print the raw events as JSON')
    .action(async (workflowId: string, options: { json?: boolean }, command: Command) => {
      await withExistingStore(context.data(command), async (store) => {
        const history = await store.readHistory(asWorkflowId(workflowId));
        if (history.length === 0) throw new WorkflowNotFoundError(workflowId);
        if (options.json) {
          context.out(JSON.stringify(history, null, 2));
          return;
        }
        context.out(
          `${printable(workflowId)} · ${statusFromEvents(history) ?? 'no run'} · ${history.length} events`,
        );
        context.out(timelineLines(history, { byRun: true, durations: true }).join('\n'));
      });
    });
}
