import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The worker script the multi-process tests run (TypeScript, through tsx, no build needed). */
export const WORKER = join(__dirname, 'fixtures', 'worker.ts');

/** A running worker: its process, the lines it printed so far, and a way to wait for one. */
export interface Worker {
  readonly child: ChildProcess;
  readonly lines: string[];
  /** Resolves with the first line (already printed or yet to come) that passes `test`. */
  waitFor(test: (line: string) => boolean): Promise<string>;
  /** Resolves when the process has exited, with its code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started = new Set<ChildProcess>();

/** SIGKILLs every worker still running (for afterAll, so a failed test leaves no process behind). */
export function killWorkers(): void {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
}

/** Starts the worker in `mode` on `path`. */
export function startWorker(
  mode: string,
  path: string,
  args: string[] = [],
  options: SpawnOptions = {},
): Worker {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', WORKER, mode, path, ...args],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...options,
    },
  );
  started.add(child);
  const lines: string[] = [];
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    lines,
    exited,
    waitFor(test) {
      const seen = lines.find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ test, resolve });
        exited.then(({ code, signal }) =>
          reject(new Error(`worker exited (${code ?? signal}) before the line; stderr:\n${stderr}`)),
        );
      });
    },
  };
}
