import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const OPEN_ONCE = join(__dirname, 'fixtures', 'open-once.ts');

export interface OpenOutcome {
  readonly opened: boolean;
  readonly events?: number;
  readonly name?: string;
  readonly code?: string;
  readonly key?: string;
  readonly message?: string;
}

/** Opens the store at `path` in a child process: a fault there fails the test, not the runner. */
export function openInChild(path: string, mapSize?: number): OpenOutcome {
  const child = spawnSync(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      OPEN_ONCE,
      path,
      ...(mapSize === undefined ? [] : [String(mapSize)]),
    ],
    {
      encoding: 'utf8',
      // A hang guard only (node and tsx start in seconds on a busy machine): it times nothing.
      timeout: 120_000,
    },
  );
  if (child.status !== 0) {
    throw new Error(
      `the open ended the process (status ${child.status}, signal ${child.signal}): ${child.stderr}`,
    );
  }
  return JSON.parse(child.stdout) as OpenOutcome;
}
