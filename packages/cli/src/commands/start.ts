import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { findWorker } from '../control/find-worker.js';
import { reachEngine } from '../engine-access.js';
import { CliError } from '../errors.js';
import { printable } from '../format/printable.js';
import { parseAttributes, parseJsonArgument } from '../json-arg.js';
import { waitForOutcome } from '../outcome.js';
import { loadWorkflowModule, MODULE_ENV, moduleSpecifier } from '../workflow-module.js';

/**
 * `reprise start <type>`: starts a workflow. With a worker on the data directory, the worker
 * starts it and runs it at once. Without one, the command records the run's WorkflowStarted
 * and nothing more (no workflow code runs in the command); the next worker runs it. That needs
 * the module, to know the workflow types and the search-attribute schema.
 */
export function registerStart(program: Command, context: CommandContext): void {
  program
    .command('start')
    .description('start a workflow (run by the worker, or recorded for the next one)')
    .argument('<type>', 'the workflow type')
    .option('--input <json>', 'the input, as JSON', 'null')
    .option('--id <workflowId>', 'the workflow id (a random one by default)')
    .option('--attr <key=value>', 'a search attribute (repeatable)', collect, [])
    .option('--module <module>', `the workflow module, when no worker runs (default: $${MODULE_ENV})`)
    .option('--wait', 'wait for the workflow to close and print its result (needs a worker)')
    .option('--json', 'print { workflowId, runId } (with --wait, the outcome) as JSON')
    .action(
      async (
        workflowType: string,
        options: {
          input: string;
          id?: string;
          attr: string[];
          module?: string;
          wait?: boolean;
          json?: boolean;
        },
        command: Command,
      ) => {
        const data = context.data(command);
        const input = parseJsonArgument('--input', options.input);
        const attributes = parseAttributes(options.attr);
        const searchAttributes = Object.keys(attributes).length > 0 ? attributes : undefined;
        if (options.wait && !(await findWorker(data))) {
          throw new CliError(
            'usage',
            `--wait needs a worker running on ${data}: without one the run is only recorded, and nothing runs it`,
          );
        }
        const access = await reachEngine(
          data,
          async () => {
            const specifier = moduleSpecifier(options.module);
            if (!specifier) {
              throw new CliError(
                'usage',
                `no worker is running on ${data}; give --module <file> (or ${MODULE_ENV}) so start knows the workflow types`,
              );
            }
            const module = await loadWorkflowModule(specifier);
            return {
              workflowTypes: module.workflows.map((workflow) => workflow.name),
              ...(module.searchAttributes ? { searchAttributes: module.searchAttributes } : {}),
            };
          },
          (line) => context.note(`warning: ${line}`),
        );
        if (access.kind === 'worker') {
          const started = (await access.request({
            op: 'start',
            workflowType,
            input,
            ...(options.id === undefined ? {} : { workflowId: options.id }),
            ...(searchAttributes ? { searchAttributes } : {}),
          })) as { workflowId: string; runId: string };
          const line = `started ${printable(started.workflowId)} (run ${printable(started.runId)}) on ${access.holder.name}`;
          if (options.wait) {
            // The answer is the outcome: the start goes to stderr, so stdout holds the result alone.
            if (!options.json) context.note(line);
            await waitForOutcome(context, data, started.workflowId, options.json === true);
          } else {
            context.out(options.json ? JSON.stringify(started) : line);
          }
          return;
        }
        try {
          const handle = await access.engine.start(workflowType, input, {
            ...(options.id === undefined ? {} : { workflowId: options.id }),
            ...(searchAttributes ? { searchAttributes } : {}),
          });
          const { runId } = await handle.describe();
          context.out(
            options.json
              ? JSON.stringify({ workflowId: handle.workflowId, runId })
              : `started ${printable(handle.workflowId)} (run ${printable(runId)})`,
          );
          context.note(`no worker is running on ${data}: the run is recorded and runs when a worker starts`);
        } finally {
          await access.close();
        }
      },
    );
}

/** Commander's way to gather a repeatable option. */
export const collect = (value: string, previous: string[]) => [...previous, value];
