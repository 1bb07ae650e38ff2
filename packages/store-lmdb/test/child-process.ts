import type { SpawnOptions } from 'node:child_process';
import { join } from 'node:path';
import { killWorkerProcesses, startWorkerProcess, type WorkerProcess } from '@reprise/testkit/internal';

/** The worker script the multi-process tests run (TypeScript, through tsx, no build needed). */
export const WORKER = join(__dirname, 'fixtures', 'worker.ts');

/** A running worker (the testkit's harness). */
export type Worker = WorkerProcess;

/** Kills every worker still running (call it in afterAll). */
export const killWorkers = killWorkerProcesses;

/** Starts the worker in `mode` on `path`. */
export function startWorker(
  mode: string,
  path: string,
  args: string[] = [],
  options: SpawnOptions = {},
): Worker {
  return startWorkerProcess(WORKER, [mode, path, ...args], options);
}
