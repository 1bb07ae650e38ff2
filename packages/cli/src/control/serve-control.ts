import type { Engine } from '@reprise/engine';
import { systemClock } from '@reprise/engine';
import { CliError } from '../errors.js';
import { type ControlServer, ControlServer as Server } from './control-server.js';
import { engineControlHandler } from './engine-handler.js';

/** How long a claim waits for a short-lived command that holds the data directory. */
const CLAIM_WAIT_MS = 15_000;
const RETRY_MS = 100;

export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Claims a data directory for a process that runs an engine on it (the `reprise worker`, or
 * an app such as the `npm start` demo). Call it before `Engine.create`, so no command writes
 * while the engine recovers, then `serveEngine` once the engine is open. Waits while a
 * short-lived command holds the directory; refuses (`data_busy`) when another worker does.
 */
export async function claimDataDir(dataPath: string, name: string): Promise<ControlServer> {
  const deadline = systemClock.now() + CLAIM_WAIT_MS;
  for (;;) {
    const result = await Server.claim(dataPath, 'worker', name);
    if (result.kind === 'claimed') return result.server;
    const { holder } = result;
    if (holder.role === 'worker' || systemClock.now() > deadline) {
      throw new CliError(
        'data_busy',
        `${dataPath} is in use by ${holder.name} (pid ${holder.pid}); one engine at a time writes to a data directory`,
      );
    }
    await pause(RETRY_MS);
  }
}

/** Answers `reprise` commands sent to this process with `engine`. */
export function serveEngine(server: ControlServer, engine: Engine, log?: (line: string) => void): void {
  server.serve(engineControlHandler(engine, log));
}

export { CLAIM_WAIT_MS, RETRY_MS };
