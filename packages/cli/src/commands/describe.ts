import { asWorkflowId, WorkflowNotFoundError } from '@reprise/core';
import type { WorkflowDescription } from '@reprise/engine';
import { systemClock } from '@reprise/engine';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { askWorkerIfRunning } from '../control/ask-worker.js';
import { withExistingStore } from '../data-dir.js';
import { type Description, describeFromHistory, renderDescription } from '../format/description.js';

/**
 * `reprise describe <id>`: status, timing, input, outcome, parent, children and what the latest
 * run waits on, all read from the store, so the answer is the same with or without a worker. A
 * worker on the data adds what only its engine knows: whether the run is in memory, and a stall.
 */
export function registerDescribe(program: Command, context: CommandContext): void {
  program
    .command('describe')
    .description("a workflow's status, timing, input, outcome, parent, children and pending work")
    .argument('<workflowId>', 'the workflow id')
    .option('--json', 'print the description as JSON')
    .action(async (workflowId: string, options: { json?: boolean }, command: Command) => {
      const data = context.data(command);
      const stored = await withExistingStore(data, async (store) => {
        const summary = await store.getSummary(asWorkflowId(workflowId));
        if (!summary) throw new WorkflowNotFoundError(workflowId);
        return describeFromHistory(summary, await store.readHistory(summary.workflowId));
      });
      const live = await askWorkerIfRunning(data, { op: 'describe', workflowId });
      const liveDescription = live?.value as unknown as WorkflowDescription | undefined;
      const description: Description =
        liveDescription && liveDescription.runId === stored.runId
          ? {
              ...stored,
              residency: liveDescription.residency,
              ...(liveDescription.stalled ? { stalled: liveDescription.stalled } : {}),
            }
          : stored;
      const servedBy = live ? `live from ${live.name}` : 'read from the store (no worker is running)';
      context.out(
        options.json
          ? JSON.stringify(description, null, 2)
          : renderDescription(description, systemClock.now(), servedBy),
      );
    });
}
