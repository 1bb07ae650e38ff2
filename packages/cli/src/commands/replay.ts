import { asWorkflowId, type WorkflowId, WorkflowNotFoundError } from '@reprise/core';
import { readHistoryFiles } from '@reprise/engine/internal';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { type CommandStore, withExistingStore } from '../data-dir.js';
import { CliError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { startProgress } from '../format/progress.js';
import { type RunReplayResult, replayHistory } from '../replay-check.js';
import { loadWorkflowModule, MODULE_ENV, moduleSpecifier } from '../workflow-module.js';

/**
 * `reprise replay [<id> | --all] --module <m>`: replays recorded histories with the module's
 * current code and reports every run whose code no longer matches (position, recorded event,
 * what the code asked for). Read-only, safe beside a running worker. Exit 5 if any diverged.
 */
export function registerReplay(program: Command, context: CommandContext): void {
  program
    .command('replay')
    .description("check recorded histories against the module's current code")
    .argument(
      '[workflowId]',
      'the workflow to replay (with --workflows: a file or folder of exported histories)',
    )
    .option('--all', 'replay every workflow on the data')
    .option('--module <module>', `the workflow module (default: $${MODULE_ENV})`)
    .option(
      '--workflows <module>',
      'replay exported history files (reprise export) instead of the data, with this module',
    )
    .option('--json', 'print every run result as JSON')
    .action(
      async (
        workflowId: string | undefined,
        options: { all?: boolean; module?: string; workflows?: string; json?: boolean },
        command: Command,
      ) => {
        if (options.workflows !== undefined) {
          if (!workflowId || options.all || options.module) {
            throw new CliError(
              'usage',
              'replay --workflows <module> takes one file or folder, and no --all or --module',
            );
          }
          const module = await loadWorkflowModule(options.workflows);
          const workflows = new Map(module.workflows.map((workflow) => [workflow.name, workflow]));
          const all: (RunReplayResult & { file: string })[] = [];
          for (const { file, history } of readHistoryFiles(workflowId)) {
            for (const run of await replayHistory(workflows, history.events)) all.push({ ...run, file });
          }
          report(context, all, options.json === true);
          return;
        }
        if (Boolean(workflowId) === Boolean(options.all)) {
          throw new CliError('usage', 'replay needs a workflow id or --all (not both)');
        }
        const specifier = moduleSpecifier(options.module);
        if (!specifier) throw new CliError('usage', `replay needs --module <file> (or ${MODULE_ENV})`);
        const module = await loadWorkflowModule(specifier);
        const workflows = new Map(module.workflows.map((workflow) => [workflow.name, workflow]));
        const results = await withExistingStore(context.data(command), async (store) => {
          const ids = workflowId ? [asWorkflowId(workflowId)] : await allWorkflowIds(store);
          const bar = startProgress('replay', ids.length, ' · {diverged} diverged', { diverged: 0 });
          const all: RunReplayResult[] = [];
          let diverged = 0;
          try {
            for (const id of ids) {
              const history = await store.readHistory(id);
              if (history.length === 0) throw new WorkflowNotFoundError(id);
              const runs = await replayHistory(workflows, history);
              diverged += runs.filter((run) => run.verdict === 'diverged').length;
              all.push(...runs);
              bar.advance(1, { diverged });
            }
          } finally {
            bar.stop();
          }
          return all;
        });
        report(context, results, options.json === true);
      },
    );
}

/** Prints the verdicts (one DIVERGED line per diverged run, then a count) and sets exit 5 if any diverged. */
function report(
  context: CommandContext,
  results: readonly (RunReplayResult & { file?: string })[],
  json: boolean,
): void {
  const diverged = results.filter((run) => run.verdict === 'diverged');
  if (json) {
    context.out(JSON.stringify(results, null, 2));
  } else {
    for (const run of diverged) {
      if (run.verdict !== 'diverged') continue;
      const where = `command #${run.position}${run.seq === undefined ? '' : ` (event seq ${run.seq})`}`;
      context.out(
        `DIVERGED ${run.workflowId} run ${run.runId} (${run.workflowType}) at ${where}: recorded ${run.recorded ?? 'nothing'}, code asked for ${run.requested ?? 'nothing'}${run.file === undefined ? '' : ` [${run.file}]`}`,
      );
    }
    const count = (verdict: string) => results.filter((run) => run.verdict === verdict).length;
    const skipped = count('skipped');
    context.out(
      `replayed ${results.length - skipped} run(s): ${count('ok')} ok, ${diverged.length} diverged` +
        (skipped > 0 ? `; ${skipped} skipped (type not in the module)` : ''),
    );
  }
  if (diverged.length > 0) context.exitWith(EXIT.nonDeterminism);
}

async function allWorkflowIds(store: CommandStore): Promise<WorkflowId[]> {
  const ids: WorkflowId[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ limit: 1000, ...(cursor ? { cursor } : {}) });
    ids.push(...page.items.map((item) => item.workflowId));
    cursor = page.cursor;
  } while (cursor);
  return ids;
}
