import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { requireData } from '../data-dir.js';
import { reachEngine } from '../engine-access.js';
import { CliError } from '../errors.js';
import { printable } from '../format/printable.js';
import { parseJsonArgument } from '../json-arg.js';

/** What `terminate`, `pause` and `resume` do to a workflow's open run, and what they print. */
const operations = {
  terminate: {
    description: "end a workflow's open run at once, without its clean-up (recorded as Terminated)",
    done: (id: string) => `${id} terminated`,
  },
  pause: {
    description: "pause a workflow's open run: it makes no progress until resumed",
    done: (id: string) => `${id} paused`,
  },
  resume: {
    description: 'resume a paused run: it takes what arrived meanwhile, in order',
    done: (id: string) => `${id} resumed`,
  },
} as const;

/**
 * `reprise terminate|pause|resume <id> [--reason]`: through the worker if one runs, else
 * recorded straight into the history (safe without a worker: a terminate records the run's
 * terminal event under the workflow's writer, a pause or resume is an input the next worker's
 * replay takes). A closed workflow refuses them (exit 4), an unknown id is exit 3.
 */
export function registerOperations(program: Command, context: CommandContext): void {
  for (const [op, { description, done }] of Object.entries(operations) as [
    keyof typeof operations,
    (typeof operations)[keyof typeof operations],
  ][]) {
    program
      .command(op)
      .description(description)
      .argument('<workflowId>', 'the workflow id')
      .option('--reason <text>', 'why, recorded with it')
      .action(async (workflowId: string, options: { reason?: string }, command: Command) => {
        const data = context.data(command);
        // Only a recorded workflow can take it: a mistyped --data must not create a directory.
        requireData(data);
        const access = await reachEngine(
          data,
          async () => ({ workflowTypes: [] }),
          (line) => context.note(`warning: ${line}`),
        );
        if (access.kind === 'worker') {
          await access.request({
            op,
            workflowId,
            ...(options.reason === undefined ? {} : { reason: options.reason }),
          });
        } else {
          try {
            await access.engine.getHandle(workflowId)[op](options.reason);
          } finally {
            await access.close();
          }
        }
        context.out(done(printable(workflowId)));
      });
  }
}

/** A worker's access, or a refusal naming what needs one. */
async function workerFor(
  context: CommandContext,
  data: string,
  what: string,
): Promise<Extract<Awaited<ReturnType<typeof reachEngine>>, { kind: 'worker' }>> {
  const access = await reachEngine(
    data,
    async () => ({ workflowTypes: [] }),
    (line) => context.note(`warning: ${line}`),
  );
  if (access.kind !== 'worker') {
    await access.close();
    throw new CliError(
      'no_worker',
      `no worker is running on ${data}: ${what} needs the workflow's code; start \`reprise worker\``,
    );
  }
  return access;
}

/** Reads a `--to-event` / `--from-event` value: a whole number from 1. */
function eventSeq(option: string, text: string): number {
  const seq = Number(text);
  if (!Number.isInteger(seq) || seq < 1)
    throw new CliError('usage', `${option} ${text} must be an event seq (a whole number from 1)`);
  return seq;
}

/**
 * `reprise reset <id> (--to-event <seq> | --to-last-activity) [--reason]` and
 * `reprise fork <id> --from-event <seq> [--id <new id>]`: a new run from a point of a run's
 * history (see `handle.reset` / `engine.fork`), through a worker (the new run executes there).
 * A bad point is exit 2, a taken id or a missing worker exit 4, an unknown id exit 3.
 */
export function registerResetAndFork(program: Command, context: CommandContext): void {
  program
    .command('reset')
    .description("terminate a workflow's run and start it again from a point of its history")
    .argument('<workflowId>', 'the workflow id')
    .option('--to-event <seq>', 'the last event kept (a workflow-task boundary)')
    .option('--to-last-activity', 'keep everything before the step that scheduled the last activity')
    .option('--reason <text>', 'why, recorded with it')
    .action(
      async (
        workflowId: string,
        options: { toEvent?: string; toLastActivity?: boolean; reason?: string },
        command: Command,
      ) => {
        if ((options.toEvent === undefined) === (options.toLastActivity !== true)) {
          throw new CliError('usage', 'give one of --to-event <seq> and --to-last-activity');
        }
        const data = context.data(command);
        requireData(data);
        const access = await workerFor(context, data, 'a reset');
        const reply = (await access.request({
          op: 'reset',
          workflowId,
          ...(options.toLastActivity
            ? { toLastActivity: true }
            : { toEventSeq: eventSeq('--to-event', options.toEvent as string) }),
          ...(options.reason === undefined ? {} : { reason: options.reason }),
        })) as { runId: string };
        context.out(`${printable(workflowId)} reset: new run ${printable(reply.runId)}`);
      },
    );
  program
    .command('fork')
    .description("start a new workflow from a point of a workflow's history")
    .argument('<workflowId>', 'the source workflow id')
    .requiredOption('--from-event <seq>', 'the last event copied (a workflow-task boundary)')
    .option('--id <workflowId>', "the new workflow's id")
    .action(async (workflowId: string, options: { fromEvent: string; id?: string }, command: Command) => {
      const fromEventSeq = eventSeq('--from-event', options.fromEvent);
      const data = context.data(command);
      requireData(data);
      const access = await workerFor(context, data, 'a fork');
      const reply = (await access.request({
        op: 'fork',
        workflowId,
        fromEventSeq,
        ...(options.id === undefined ? {} : { newWorkflowId: options.id }),
      })) as { workflowId: string; runId: string };
      context.out(
        `forked ${printable(workflowId)} into ${printable(reply.workflowId)} (run ${printable(reply.runId)})`,
      );
    });
}

/**
 * `reprise update <id> <name> [json] [--update-id]`: sends an update to the workflow's open run
 * and prints its handler's result as JSON. Only a worker can run the run's validator and handler:
 * without one it is refused (exit 4), as are a rejected or failed update and a closed workflow.
 */
export function registerUpdate(program: Command, context: CommandContext): void {
  program
    .command('update')
    .description("send an update to a workflow's open run and print its result")
    .argument('<workflowId>', 'the workflow id')
    .argument('<name>', 'the update name')
    .argument('[json]', 'the arguments, as JSON', 'null')
    .option('--update-id <id>', 'an id that makes the update idempotent (await an earlier one by it)')
    .action(
      async (
        workflowId: string,
        name: string,
        json: string,
        options: { updateId?: string },
        command: Command,
      ) => {
        const data = context.data(command);
        const args = parseJsonArgument('the update arguments', json);
        requireData(data);
        const access = await workerFor(context, data, 'an update');
        const result = await access.request({
          op: 'update',
          workflowId,
          name,
          args,
          ...(options.updateId === undefined ? {} : { updateId: options.updateId }),
        });
        context.out(JSON.stringify(result));
      },
    );
}
