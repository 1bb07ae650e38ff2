import type { WorkflowId } from '@reprise/core';
import type { StalledRun } from '@reprise/engine';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { sendControlRequest } from '../control/control-client.js';
import { findWorker } from '../control/find-worker.js';
import { controlSocketPath } from '../control/socket-path.js';
import { type CommandStore, withExistingStore } from '../data-dir.js';
import { CliError, RemoteError } from '../errors.js';
import { printable } from '../format/printable.js';
import { renderTable } from '../format/table.js';
import { preview } from '../format/time.js';
import { replayHistory } from '../replay-check.js';
import { loadWorkflowModule, MODULE_ENV, moduleSpecifier } from '../workflow-module.js';

/**
 * `reprise runs stalled`: the open runs that are stalled (replay diverged, or the code threw a
 * bug), with the position and the error, and the stack of each bug. A worker on the data
 * answers from its engine; otherwise the running workflows are replayed with `--module`'s code,
 * and those its replay would stall are listed (the verdict of `reprise replay`).
 */
export function registerRuns(program: Command, context: CommandContext): void {
  const runs = program.command('runs').description('runs in a given state');
  runs
    .command('stalled')
    .description('open runs that are stalled: replay diverged, or the code threw a bug')
    .option('--module <module>', `without a worker: the code to replay with (default: $${MODULE_ENV})`)
    .option('--json', 'print the stalled runs as JSON')
    .action(async (options: { module?: string; json?: boolean }, command: Command) => {
      const data = context.data(command);
      const stalled = (await fromWorker(data)) ?? (await byReplay(data, options.module));
      if (options.json) {
        context.out(JSON.stringify(stalled.runs, null, 2));
        return;
      }
      if (stalled.runs.length === 0) {
        context.out(`no stalled runs (${stalled.source})`);
        return;
      }
      const rows = stalled.runs.map((run) => [
        printable(run.workflowId),
        printable(run.runId),
        printable(run.workflowType),
        `#${run.stalled.position}`,
        run.stalled.cause,
        preview(run.stalled.reason, 120),
      ]);
      context.out(renderTable(['WORKFLOW ID', 'RUN', 'TYPE', 'AT', 'CAUSE', 'ERROR'], rows));
      for (const run of stalled.runs) {
        const stack = run.stalled.error?.stack;
        if (stack) context.out(`\n${printable(run.workflowId)}: ${stack.split('\n').join('\n  ')}`);
      }
      context.out(`(${stalled.runs.length} stalled; ${stalled.source})`);
    });
}

async function fromWorker(data: string): Promise<{ runs: StalledRun[]; source: string } | undefined> {
  if (!(await findWorker(data))) return undefined;
  const reply = await sendControlRequest(controlSocketPath(data), { op: 'stalled' });
  if (reply.ok) return { runs: reply.value as unknown as StalledRun[], source: `live from ${reply.name}` };
  if (reply.busy) return undefined;
  throw new RemoteError(reply.error.code, reply.error.name, reply.error.message, reply.error.fields ?? {});
}

async function byReplay(
  data: string,
  moduleOption: string | undefined,
): Promise<{ runs: StalledRun[]; source: string }> {
  const specifier = moduleSpecifier(moduleOption);
  if (!specifier) {
    throw new CliError(
      'usage',
      `no worker runs on the data: runs stalled needs --module <file> (or ${MODULE_ENV})`,
    );
  }
  const module = await loadWorkflowModule(specifier);
  const workflows = new Map(module.workflows.map((workflow) => [workflow.name, workflow]));
  const runs = await withExistingStore(data, async (store) => {
    const found: StalledRun[] = [];
    for (const workflowId of await runningIds(store)) {
      const history = await store.readHistory(workflowId);
      const open = (await replayHistory(workflows, history)).at(-1);
      if (open?.verdict !== 'diverged') continue;
      found.push({
        workflowId,
        runId: open.runId as StalledRun['runId'],
        workflowType: open.workflowType,
        stalled: {
          reason: open.message,
          position: open.position,
          cause: open.requested?.includes('the code threw') ? 'bug' : 'nonDeterminism',
        },
      });
    }
    return found;
  });
  return { runs, source: `replayed with ${specifier} (no worker is running)` };
}

async function runningIds(store: CommandStore): Promise<WorkflowId[]> {
  const ids: WorkflowId[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ status: ['Running'], limit: 1000, ...(cursor ? { cursor } : {}) });
    ids.push(...page.items.map((item) => item.workflowId));
    cursor = page.cursor;
  } while (cursor);
  return ids;
}
