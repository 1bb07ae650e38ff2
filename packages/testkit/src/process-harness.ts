import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { RepriseError } from '@reprise/core';

/** A TypeScript script running in a child process: its lines so far and ways to wait on it. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the first line (already printed or yet to come) that passes `test`. */
  waitFor(test: (line: string) => boolean): Promise<string>;
  /** Resolves when the process has exited, with its code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL: the process gets no chance to clean up, as in a crash. */
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** A worker process exited before printing the line `waitFor` waited for; `stderr` says why, usually. */
export class WorkerExitedError extends RepriseError {
  readonly code = 'worker_exited';
  constructor(
    readonly script: string,
    /** The exit code, or the signal that ended the process. */
    readonly exit: number | NodeJS.Signals | null,
    /** Everything the process wrote to stderr. */
    readonly stderr: string,
  ) {
    super(`worker ${script} exited (${exit}) before the awaited line; stderr:\n${stderr}`);
  }
}

/** SIGKILLs every worker process still running (call it in afterAll, so no test leaves one behind). */
export function killWorkerProcesses(): void {
  for (const child of running)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
}

/**
 * Runs a TypeScript script in a real child process through tsx, with the `source` export
 * condition so `@reprise/*` resolve to their sources (no build needed). For crash tests that
 * kill a process at random moments and check what it left behind.
 */
export function startWorkerProcess(
  script: string,
  args: readonly string[] = [],
  options: SpawnOptions = {},
): WorkerProcess {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    ...options,
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
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
    stderr: () => stderr,
    waitFor(test) {
      const seen = lines.find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ test, resolve });
        void exited.then(({ code, signal }) => reject(new WorkerExitedError(script, code ?? signal, stderr)));
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Fresh directories under the OS temp dir; `removeAll` deletes them (call it in afterAll). */
export function tempDirs(label: string): { make(): string; removeAll(): void } {
  const made: string[] = [];
  return {
    make() {
      const dir = mkdtempSync(join(tmpdir(), `reprise-${label}-`));
      made.push(dir);
      return dir;
    },
    removeAll() {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
