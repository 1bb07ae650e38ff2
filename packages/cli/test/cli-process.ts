import { type ChildProcess, type ExecFileException, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { asRunId, asWorkflowId, envelopeEvents } from '@reprise/core';
import { openLmdbStore } from '@reprise/store-lmdb';

/** The repository root: commands run from there, as a user of the README would. */
export const ROOT = resolve(__dirname, '../../..');
const BIN = join(ROOT, 'packages/cli/src/bin.ts');
const NODE_ARGS = ['--conditions=source', '--import', 'tsx', BIN];
/**
 * The timeout of a test that runs the binary: generous, because each run starts node and tsx,
 * which takes seconds on a busy machine, and a test runs up to about fifteen. The tests wait
 * for exits and printed lines, never for a duration; this only bounds a hang.
 */
export const CLI_TEST_TIMEOUT_MS = 300_000;
/** What `npm run build` makes of the binary; the `bin` launcher runs it when it exists. */
export const BUILT_BIN = join(ROOT, 'packages/cli/dist/bin.js');
/** The link `npm install` makes from package.json's `bin`, which `npx reprise` runs. */
export const LINKED_BIN = join(ROOT, 'node_modules/.bin/reprise');
export const SHOP = 'packages/cli/test/fixtures/shop.ts';
export const SHOP_CHANGED = 'packages/cli/test/fixtures/shop-changed.ts';

/** What one run of the `reprise` binary did. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `reprise` binary (its TypeScript source through tsx) and waits for it to exit. */
export function reprise(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runNode([...NODE_ARGS, ...args], env);
}

/** Runs the built binary with plain node (no tsx, no source condition), as an installed one runs. */
export function repriseBuilt(args: readonly string[]): Promise<CliResult> {
  return runNode([BUILT_BIN, ...args], {});
}

/**
 * Runs `node_modules/.bin/reprise` itself, as a shell runs it (its `#!/usr/bin/env node` line
 * finds this node first on PATH).
 */
export function repriseLinked(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const path = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`;
  return run(LINKED_BIN, args, { PATH: path, ...env });
}

function runNode(nodeArgs: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return run(process.execPath, nodeArgs, env);
}

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      file,
      [...args],
      // A hang guard only: never shorter than the test it runs in.
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: CLI_TEST_TIMEOUT_MS },
      (error, stdout, stderr) => {
        done({ code: exitStatusOf(error), stdout, stderr });
      },
    );
  });
}

/** The status a shell would report: the exit code, or 128 + the signal that ended the process. */
function exitStatusOf(error: ExecFileException | null): number {
  if (!error) return 0;
  if (typeof error.code === 'number') return error.code;
  const signal = error.signal ? constants.signals[error.signal] : undefined;
  return signal === undefined ? 1 : 128 + signal;
}

/** A long-running `reprise` process (a worker): its output lines and a way to wait for one. */
export interface LiveCli {
  readonly child: ChildProcess;
  readonly lines: string[];
  waitFor(test: RegExp): Promise<string>;
  readonly exited: Promise<number | null>;
}

/** Starts the real binary without waiting for it. */
export function spawnReprise(args: readonly string[]): LiveCli {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { test: RegExp; resolve: (line: string) => void }[] = [];
  const take = (line: string) => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.test.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', take);
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', take);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    waitFor: (test) => {
      const seen = lines.find((line) => test.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ test, resolve });
        void exited.then(() => reject(new Error(`exited before printing ${test}:\n${lines.join('\n')}`)));
      });
    },
  };
}

/** A fresh temporary data directory, and its removal. */
export function tempData(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'reprise-cli-'));
  return { path: join(dir, 'data'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One recorded workflow for `seedWorkflows`: its id, type and start time (epoch ms). */
export interface SeededWorkflow {
  readonly id: string;
  readonly type: string;
  readonly startedAt: number;
  readonly completed?: boolean;
}

/**
 * Writes workflows straight into a store at `path` (a start, and a completion when asked), for
 * commands that only read: quicker than a worker, and the rows are exactly these.
 */
export async function seedWorkflows(path: string, workflows: readonly SeededWorkflow[]): Promise<void> {
  const store = openLmdbStore({ path, noSync: true });
  try {
    for (const { id, type, startedAt, completed } of workflows) {
      const workflowId = asWorkflowId(id);
      const started = envelopeEvents(workflowId, 0, startedAt, [
        {
          type: 'WorkflowStarted',
          workflowType: type,
          input: { id },
          runId: asRunId(`run-${id}`),
          parentRunId: null,
        },
      ]);
      await store.append(workflowId, started, { expectedSeq: 0 });
      if (completed) {
        const done = envelopeEvents(workflowId, 1, startedAt + 1_000, [
          { type: 'WorkflowCompleted', result: id },
        ]);
        await store.append(workflowId, done, { expectedSeq: 1 });
      }
    }
  } finally {
    await store.close();
  }
}

/**
 * Polls `check` until it returns true. No deadline of its own: a busy machine makes each check
 * (a run of the binary) slow, and the test's timeout bounds a condition that never comes.
 */
export async function eventually(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 100));
}
