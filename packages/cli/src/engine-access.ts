import {
  defineWorkflow,
  type JsonValue,
  type SearchAttributeSchema,
  type WorkflowDefinition,
  type WorkflowStore,
} from '@reprise/core';
import { Engine, systemClock } from '@reprise/engine';
import { openLmdbStore } from '@reprise/store-lmdb';
import { sendControlRequest } from './control/control-client.js';
import { ControlServer, type Holder } from './control/control-server.js';
import type { ControlRequest } from './control/protocol.js';
import { CLAIM_WAIT_MS, pause, RETRY_MS } from './control/serve-control.js';
import { controlSocketPath } from './control/socket-path.js';
import { isPostgres } from './data-dir.js';
import { CliError, RemoteError } from './errors.js';

/**
 * How a command that changes workflows reaches them:
 * - `worker`: a worker (or an app) holds the data directory; the request goes to it over the
 *   control socket and its engine carries it out (a started run executes there at once);
 * - `local`: nobody runs an engine on the directory; the command holds it for the moment and
 *   records the change through an engine that executes nothing (see `recordingEngine`).
 */
export type EngineAccess =
  | { readonly kind: 'worker'; readonly holder: Holder; request(request: ControlRequest): Promise<JsonValue> }
  | { readonly kind: 'local'; readonly engine: Engine; close(): Promise<void> };

/** What the local engine needs to know: the workflow types it may start, and the attribute schema. */
export interface LocalSetup {
  readonly workflowTypes: readonly string[];
  readonly searchAttributes?: SearchAttributeSchema;
}

/**
 * Finds the worker holding `dataPath` or holds it for this command. `setup` is asked only in
 * the second case (so `start` needs a module only when no worker runs).
 */
export async function reachEngine(
  dataPath: string,
  setup: () => Promise<LocalSetup>,
  logger: (message: string) => void,
): Promise<EngineAccess> {
  refusePostgres(dataPath);
  const deadline = systemClock.now() + CLAIM_WAIT_MS;
  for (;;) {
    const claim = await ControlServer.claim(dataPath, 'command', 'a reprise command');
    if (claim.kind === 'claimed') {
      const server = claim.server;
      try {
        const engine = await recordingEngine(dataPath, await setup(), logger);
        return {
          kind: 'local',
          engine,
          close: async () => {
            try {
              await engine.shutdown();
            } finally {
              await server.close();
            }
          },
        };
      } catch (error) {
        await server.close();
        throw error;
      }
    }
    const { holder } = claim;
    if (holder.role === 'worker') {
      return { kind: 'worker', holder, request: (request) => askWorker(dataPath, request, deadline) };
    }
    if (systemClock.now() > deadline) {
      throw new CliError('data_busy', `${dataPath} stayed busy (held by pid ${holder.pid}); try again`);
    }
    await pause(RETRY_MS);
  }
}

/** Sends a request to the worker on `dataPath`, asking again while it is busy, until `deadline`. */
export async function askWorker(
  dataPath: string,
  request: ControlRequest,
  deadline: number,
): Promise<JsonValue> {
  refusePostgres(dataPath);
  for (;;) {
    const reply = await sendControlRequest(controlSocketPath(dataPath), request);
    if (reply.ok) return reply.value;
    if (!reply.busy) {
      const { name, code, message, fields } = reply.error;
      throw new RemoteError(code, name, message, fields ?? {});
    }
    if (systemClock.now() > deadline)
      throw new CliError('data_busy', `the worker on ${dataPath} is not ready; try again`);
    await pause(RETRY_MS);
  }
}

/**
 * Commands that change workflows reach an engine over a data directory's control socket, or
 * record through an engine of their own that holds the directory. On PostgreSQL neither fits:
 * engines share the database, and a command's engine would take a share of the shards. Such a
 * change goes through an application's engine (its handles route to the owner's inbox).
 */
function refusePostgres(location: string): void {
  if (isPostgres(location)) {
    throw new CliError(
      'usage',
      'with --pg, starts, signals, cancels and other changes go through an engine of your application (engine.start, handle.signal, ...); the command line reads (list, describe, show, count, export, replay, runs) and runs workers (reprise worker --pg)',
    );
  }
}

/**
 * An engine that records and executes nothing: it sees no active workflow (so it recovers
 * none), and each workflow type it knows runs code that waits forever without a command. A
 * start through it appends the run's WorkflowStarted and stops there; a signal or a cancel is
 * appended to the history. The next worker on the directory replays and runs them.
 */
async function recordingEngine(
  dataPath: string,
  setup: LocalSetup,
  logger: (message: string) => void,
): Promise<Engine> {
  const store = openLmdbStore({ path: dataPath });
  const workflows: WorkflowDefinition[] = setup.workflowTypes.map((name) =>
    defineWorkflow(name, () => new Promise<never>(() => undefined)),
  );
  try {
    return await Engine.create({
      store: hideActive(store),
      workflows,
      ...(setup.searchAttributes ? { searchAttributes: setup.searchAttributes } : {}),
      logger: { warn: (message) => logger(message) },
    });
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** A view of a store in which no workflow is active and no list has rows: nothing to recover. */
function hideActive(store: WorkflowStore): WorkflowStore {
  return {
    append: (workflowId, events, options) => store.append(workflowId, events, options),
    readHistory: (workflowId, options) => store.readHistory(workflowId, options),
    lastSeq: (workflowId) => store.lastSeq(workflowId),
    listActive: async function* () {},
    dueTimers: async () => [],
    close: () => store.close(),
    getSummary: (workflowId) => store.getSummary(workflowId),
    query: async () => ({ items: [] }),
    count: (filter) => store.count(filter),
  };
}
