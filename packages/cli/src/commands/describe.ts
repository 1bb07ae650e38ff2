import { asWorkflowId, WorkflowNotFoundError } from '@reprise/core';
import { systemClock } from '@reprise/engine';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { sendControlRequest } from '../control/control-client.js';
import { findWorker } from '../control/find-worker.js';
import { controlSocketPath } from '../control/socket-path.js';
import { withExistingStore } from '../data-dir.js';
import { RemoteError } from '../errors.js';
import { type Description, describeFromHistory, renderDescription } from '../format/description.js';

/**
 * `reprise describe <id>`: status, timing and what the latest run waits on. A worker on the
 * data answers from its live engine (residency, stalls); otherwise the store is read directly.
 */
export function registerDescribe(program: Command, context: CommandContext): void {
  program
    .command('describe')
    .description("a workflow's status, timing and pending work")
    .argument('<workflowId>', 'the workflow id')
    .option('--json', 'print the description as JSON')
    .action(async (workflowId: string, options: { json?: boolean }, command: Command) => {
      const data = context.data(command);
      let description: Description | undefined;
      let servedBy = 'read from the store (no worker is running)';
      const worker = await findWorker(data);
      if (worker) {
        const reply = await sendControlRequest(controlSocketPath(data), { op: 'describe', workflowId });
        if (reply.ok) {
          description = reply.value as unknown as Description;
          servedBy = `live from ${reply.name}`;
        } else if (!reply.busy) {
          throw new RemoteError(
            reply.error.code,
            reply.error.name,
            reply.error.message,
            reply.error.fields ?? {},
          );
        }
      }
      description ??= await withExistingStore(data, async (store) => {
        const summary = await store.getSummary(asWorkflowId(workflowId));
        if (!summary) throw new WorkflowNotFoundError(workflowId);
        return describeFromHistory(summary, await store.readHistory(summary.workflowId));
      });
      context.out(
        options.json
          ? JSON.stringify(description, null, 2)
          : renderDescription(description, systemClock.now(), servedBy),
      );
    });
}
