import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { askWorkerIfRunning } from '../control/ask-worker.js';
import { requireData } from '../data-dir.js';
import { CliError } from '../errors.js';
import { parseJsonArgument } from '../json-arg.js';

/**
 * `reprise query <id> <name> [args]`: runs the workflow's query handler and prints its answer
 * as JSON. A query runs the workflow's code (replayed to its present), so it needs the worker
 * that has that code; it records nothing.
 */
export function registerQuery(program: Command, context: CommandContext): void {
  program
    .command('query')
    .description("ask a workflow's query handler (needs a worker)")
    .argument('<workflowId>', 'the workflow id')
    .argument('<name>', 'the query name')
    .argument('[args]', 'the arguments, as JSON', 'null')
    .option('--json', 'print the answer as JSON on one line')
    .action(
      async (
        workflowId: string,
        name: string,
        json: string,
        options: { json?: boolean },
        command: Command,
      ) => {
        const data = context.data(command);
        const args = parseJsonArgument('the query arguments', json);
        requireData(data);
        const answer = await askWorkerIfRunning(data, { op: 'query', workflowId, name, args });
        if (!answer) {
          throw new CliError(
            'no_worker',
            `no worker is running on ${data}; a query runs the workflow's code, so start one (reprise worker <module> --data ${data})`,
          );
        }
        context.out(options.json ? JSON.stringify(answer.value) : JSON.stringify(answer.value, null, 2));
      },
    );
}
