import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { requireData } from '../data-dir.js';
import { reachEngine } from '../engine-access.js';
import { CliError } from '../errors.js';

/**
 * `reprise cancel <id>`: asks the workflow's open run to cancel (its code sees the request and
 * may clean up). Through the worker if one runs, else recorded for the next worker. A workflow
 * already closed is left as it is and the command exits 4.
 */
export function registerCancel(program: Command, context: CommandContext): void {
  program
    .command('cancel')
    .description("ask a workflow's open run to cancel")
    .argument('<workflowId>', 'the workflow id')
    .option('--reason <text>', 'why, recorded with the request')
    .option('--json', 'print { workflowId, cancelRequested } as JSON')
    .action(async (workflowId: string, options: { reason?: string; json?: boolean }, command: Command) => {
      const data = context.data(command);
      // Only a recorded workflow can take it: a mistyped --data must not create a directory.
      requireData(data);
      const access = await reachEngine(
        data,
        async () => ({ workflowTypes: [] }),
        (line) => context.note(`warning: ${line}`),
      );
      let status: string;
      if (access.kind === 'worker') {
        const reply = (await access.request({
          op: 'cancel',
          workflowId,
          ...(options.reason === undefined ? {} : { reason: options.reason }),
        })) as { status: string };
        status = reply.status;
      } else {
        try {
          status = (await access.engine.getHandle(workflowId).cancel(options.reason)).status;
        } finally {
          await access.close();
        }
      }
      if (status !== 'Running') {
        throw new CliError('workflow_closed', `${workflowId} is already ${status}; nothing to cancel`);
      }
      context.out(
        options.json
          ? JSON.stringify({ workflowId, cancelRequested: true })
          : `cancellation of ${workflowId} requested`,
      );
    });
}
