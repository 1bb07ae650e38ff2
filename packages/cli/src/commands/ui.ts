import type { JsonValue } from '@reprise/core';
import { type ScheduleDescription, type ScheduleSummary, systemClock } from '@reprise/engine';
import { serveUiSource, storeSource } from '@reprise/ui';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { findWorker } from '../control/find-worker.js';
import { CLAIM_WAIT_MS } from '../control/serve-control.js';
import { openExistingStore } from '../data-dir.js';
import { askWorker } from '../engine-access.js';
import { CliError } from '../errors.js';
import { untilStopSignal } from './worker.js';

/**
 * `reprise ui [--port 7800]`: serves the web UI over the data directory on 127.0.0.1 until
 * SIGINT or SIGTERM. Runs, their histories and descriptions are read from the store (safe
 * beside a running worker: LMDB readers never block its writer); signal and cancel go to the
 * worker holding the directory over its control socket, as do terminate, update, reset, pause and
 * resume, and the schedules page's reads and changes; while none runs they are refused, and the
 * page says so beside its disabled buttons. The supervision tree needs an engine in the same
 * process: an app shows it with `serveUi(engine)`.
 */
export function registerUi(program: Command, context: CommandContext): void {
  program
    .command('ui')
    .description('serve the web UI over the data directory on 127.0.0.1')
    .option('--port <port>', 'the port to listen on (0: any free port)', '7800')
    .action(async (options: { port: string }, command: Command) => {
      const data = context.data(command);
      const port = Number(options.port);
      if (!/^\d+$/.test(options.port) || port > 65_535)
        throw new CliError('usage', `--port ${options.port} is not a port number (0 to 65535)`);
      const store = openExistingStore(data);
      const request = (value: Parameters<typeof askWorker>[1]) =>
        askWorker(data, value, systemClock.now() + CLAIM_WAIT_MS).catch((error: unknown) => {
          if (error instanceof CliError && error.code === 'worker_unreachable')
            throw new CliError(
              'worker_unreachable',
              `no worker runs on ${data}: start one (reprise worker) to act on runs from the UI`,
              { cause: error },
            );
          throw error;
        });
      try {
        const ui = await serveUiSource(
          storeSource(store, `data ${data}`, {
            signal: async (workflowId: string, name: string, payload: JsonValue) => {
              await request({ op: 'signal', workflowId, name, payload });
            },
            cancel: async (workflowId: string, reason: string) => {
              await request({ op: 'cancel', workflowId, reason });
            },
            terminate: async (workflowId: string, reason: string) => {
              await request({ op: 'terminate', workflowId, reason });
            },
            pause: async (workflowId: string, reason: string) => {
              await request({ op: 'pause', workflowId, reason });
            },
            resume: async (workflowId: string, reason: string) => {
              await request({ op: 'resume', workflowId, reason });
            },
            update: (workflowId: string, name: string, args: JsonValue) =>
              request({ op: 'update', workflowId, name, args }),
            reset: async (workflowId: string, { toEventSeq, reason }) => {
              const run = (await request({ op: 'reset', workflowId, toEventSeq, reason })) as {
                workflowId: string;
                runId: string;
              };
              return { workflowId: run.workflowId, runId: run.runId };
            },
            schedules: {
              list: async () =>
                (await request({ op: 'schedule', action: 'list' })) as unknown as ScheduleSummary[],
              describe: async (scheduleId: string) =>
                (await request({
                  op: 'schedule',
                  action: 'describe',
                  scheduleId,
                })) as unknown as ScheduleDescription,
              pause: async (scheduleId: string) => {
                await request({
                  op: 'schedule',
                  action: 'pause',
                  scheduleId,
                  note: 'paused from the web UI',
                });
              },
              resume: async (scheduleId: string) => {
                await request({
                  op: 'schedule',
                  action: 'resume',
                  scheduleId,
                  note: 'resumed from the web UI',
                });
              },
            },
            // Read-only while no worker holds the directory: the page says why its buttons are off.
            unavailable: async () =>
              (await findWorker(data))
                ? undefined
                : `No worker runs on ${data}: start one (reprise worker) to act on runs from here.`,
          }),
          { port },
        );
        const stopped = untilStopSignal();
        context.out(`Reprise UI on ${data}: ${ui.urlWithToken}`);
        await stopped;
        await ui.close();
      } finally {
        await store.close();
      }
    });
}
