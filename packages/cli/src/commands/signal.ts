import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { requireData } from '../data-dir.js';
import { reachEngine } from '../engine-access.js';
import { parseJsonArgument } from '../json-arg.js';

/**
 * `reprise signal <id> <name> [json]`: records a signal for the workflow's open run, through
 * the worker if one runs (the run sees it at once), else straight into the history (the run
 * sees it when a worker replays it). A closed workflow refuses it (exit 4).
 */
export function registerSignal(program: Command, context: CommandContext): void {
  program
    .command('signal')
    .description("send a signal to a workflow's open run")
    .argument('<workflowId>', 'the workflow id')
    .argument('<name>', 'the signal name')
    .argument('[json]', 'the payload, as JSON', 'null')
    .option('--json', 'print { workflowId, signal } as JSON')
    .action(
      async (
        workflowId: string,
        name: string,
        json: string,
        options: { json?: boolean },
        command: Command,
      ) => {
        const data = context.data(command);
        const payload = parseJsonArgument('the signal payload', json);
        // Only a recorded workflow can take it: a mistyped --data must not create a directory.
        requireData(data);
        const access = await reachEngine(
          data,
          async () => ({ workflowTypes: [] }),
          (line) => context.note(`warning: ${line}`),
        );
        if (access.kind === 'worker') {
          await access.request({ op: 'signal', workflowId, name, payload });
        } else {
          try {
            await access.engine.getHandle(workflowId).signal(name, payload);
          } finally {
            await access.close();
          }
        }
        context.out(
          options.json
            ? JSON.stringify({ workflowId, signal: name })
            : `signal ${name} recorded for ${workflowId}`,
        );
      },
    );
}
