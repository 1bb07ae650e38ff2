import { asWorkflowId, statusFromEvents, type WorkflowEvent, WorkflowNotFoundError } from '@reprise/core';
import { timelineLines } from '@reprise/core/internal';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { withExistingStore } from '../data-dir.js';
import { followUntilClosed } from '../follow.js';
import { printable } from '../format/printable.js';

/**
 * `reprise show <id>`: the workflow's history as a timeline (`--json`: the raw events).
 * `--follow` keeps printing events as they are recorded until the workflow closes (through
 * continue-as-new), as `tail -f` does; with `--json`, one event per line.
 */
export function registerShow(program: Command, context: CommandContext): void {
  program
    .command('show')
    .description("a workflow's history as a timeline with durations")
    .argument('<workflowId>', 'the workflow id')
    .option('--json', 'print the raw events as JSON (with --follow, one event per line)')
    .option('--follow', 'keep printing new events until the workflow closes')
    .action(async (workflowId: string, options: { json?: boolean; follow?: boolean }, command: Command) => {
      await withExistingStore(context.data(command), async (store) => {
        const history = await store.readHistory(asWorkflowId(workflowId));
        if (history.length === 0) throw new WorkflowNotFoundError(workflowId);
        if (options.json && !options.follow) {
          context.out(JSON.stringify(history, null, 2));
          return;
        }
        if (options.json) {
          const print = (events: readonly WorkflowEvent[]) => {
            for (const event of events) context.out(JSON.stringify(event));
          };
          print(history);
          await followUntilClosed(store, workflowId, history, print);
          return;
        }
        context.out(
          `${printable(workflowId)} · ${statusFromEvents(history) ?? 'no run'} · ${history.length} events`,
        );
        const lines = timelineLines(history, { byRun: true, durations: true });
        context.out(lines.join('\n'));
        if (!options.follow) return;
        // The timeline of a longer history only adds lines: print those not printed yet.
        let printed = lines.length;
        let seen: readonly WorkflowEvent[] = history;
        const { outcome } = await followUntilClosed(store, workflowId, history, (events) => {
          seen = [...seen, ...events];
          const all = timelineLines(seen, { byRun: true, durations: true });
          context.out(all.slice(printed).join('\n'));
          printed = all.length;
        });
        context.note(`${printable(workflowId)} closed: ${outcome.status}`);
      });
    });
}
