import { type Duration, toMs } from '@reprise/core';
import { Engine } from '@reprise/engine';
import { openLmdbStore } from '@reprise/store-lmdb';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { claimDataDir, serveEngine } from '../control/serve-control.js';
import { isPostgres, openPostgresLocation } from '../data-dir.js';
import { CliError } from '../errors.js';
import { loadWorkflowModule } from '../workflow-module.js';

/**
 * `reprise worker <module>`: runs an engine with the module's workflows and activities on the
 * data directory until SIGINT or SIGTERM, then shuts down gracefully (in-flight appends commit,
 * runs stop where their history ends). It holds the directory while it runs: other commands hand
 * it their starts, signals and cancels over the control socket.
 */
export function registerWorker(program: Command, context: CommandContext): void {
  program
    .command('worker')
    .description('run the workflows of a module on the data until Ctrl-C')
    .argument('<module>', 'a module exporting `workflows` and `activities` (and `searchAttributes`)')
    .option(
      '--hibernate-after <duration>',
      'runs that wait this long (e.g. 30s, 0) let go of their memory until woken',
    )
    .option('--max-resident <n>', 'at most this many runs in memory; waiting ones beyond it are evicted')
    .option('--retention <duration>', 'delete closed workflows that closed longer ago than this (e.g. 30d)')
    .action(async (modulePath: string, options: WorkerOptions, command: Command) => {
      const residency = residencyOptions(options);
      const data = context.data(command);
      const module = await loadWorkflowModule(modulePath);
      // On PostgreSQL workers share the database (each leases a share of its shards): nothing
      // to hold, and no control socket.
      const postgres = isPostgres(data);
      const server = postgres ? undefined : await claimDataDir(data, 'a reprise worker');
      let engine: Engine | undefined;
      try {
        const store = postgres ? await openPostgresLocation(data) : openLmdbStore({ path: data });
        const shown = 'target' in store ? store.target : data;
        let recovered: number;
        try {
          recovered = await store.count({ status: 'Running' });
          engine = await Engine.create({
            store,
            workflows: module.workflows,
            activities: module.activities,
            ...(module.searchAttributes ? { searchAttributes: module.searchAttributes } : {}),
            ...residency,
            logger: {
              warn: (message, details) =>
                context.note(
                  `warning: ${message}${details ? ` ${JSON.stringify(details, errorFields)}` : ''}`,
                ),
            },
          });
        } catch (error) {
          await store.close();
          throw error;
        }
        if (server) serveEngine(server, engine, (line) => context.note(`worker: ${line}`));
        const types = module.workflows.map((workflow) => workflow.name).join(', ');
        // Listening before "ready" says so: a SIGTERM sent as soon as that line is read must
        // stop the worker gracefully, not kill it by default.
        const stopRequested = untilStopSignal();
        context.out(
          `worker ready on ${shown} (pid ${process.pid}): workflows ${types}; ${module.activities.length} activities; ${recovered} running workflow(s) ${postgres ? 'in the database, shared with other workers' : 'resumed'}`,
        );
        await stopRequested;
        context.note('worker: stopping (Ctrl-C again to quit at once)');
        process.once('SIGINT', () => process.exit(130));
      } finally {
        await server?.close();
        await engine?.shutdown();
      }
      context.out('worker stopped');
    });
}

interface WorkerOptions {
  readonly hibernateAfter?: string;
  readonly maxResident?: string;
  readonly retention?: string;
}

/** The engine's residency options from the command line, checked before anything is opened. */
function residencyOptions(options: WorkerOptions): {
  hibernateAfter?: number;
  maxResident?: number;
  retention?: number;
} {
  const residency: { hibernateAfter?: number; maxResident?: number; retention?: number } = {};
  if (options.retention !== undefined) {
    const text = options.retention;
    let ms: number | undefined;
    try {
      ms = toMs(/^\d+(\.\d+)?$/.test(text) ? Number(text) : (text as Duration));
    } catch {
      ms = undefined;
    }
    if (ms === undefined || ms <= 0) {
      throw new CliError('usage', `--retention ${text} is not a positive duration (30d, 12h, or ms)`);
    }
    residency.retention = ms;
  }
  if (options.hibernateAfter !== undefined) {
    const text = options.hibernateAfter;
    try {
      residency.hibernateAfter = toMs(/^\d+(\.\d+)?$/.test(text) ? Number(text) : (text as Duration));
    } catch {
      throw new CliError(
        'usage',
        `--hibernate-after ${text} is not a duration (250ms, 30s, 5m, 1h, 1d, or ms)`,
      );
    }
  }
  if (options.maxResident !== undefined) {
    const count = Number(options.maxResident);
    if (!Number.isInteger(count) || count < 1) {
      throw new CliError(
        'usage',
        `--max-resident ${options.maxResident} must be a whole number of at least 1`,
      );
    }
    residency.maxResident = count;
  }
  return residency;
}

const errorFields = (_key: string, value: unknown) =>
  value instanceof Error ? { name: value.name, message: value.message } : value;

/** Resolves at the first SIGINT or SIGTERM (and stops listening for them). */
export function untilStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
