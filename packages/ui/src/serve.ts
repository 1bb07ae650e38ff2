import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { InvalidArgumentError } from '@reprise/core';
import type { Engine } from '@reprise/engine';
import { createApp } from './app.js';
import { loadAssets } from './assets.js';
import { engineSource } from './engine-source.js';
import { allowedHosts, newToken } from './security.js';
import type { UiSource } from './source.js';

/** Options of {@link serveUi}. */
export interface UiOptions {
  /** The port to listen on; default 7800; `0` takes any free port (see `ui.url`). */
  readonly port?: number;
  /** The address to bind; default `127.0.0.1`. Bind another only on a network you trust. */
  readonly host?: string;
  /** The token that actions need; a random one by default. */
  readonly token?: string;
}

/** A running UI server. */
export interface UiServer {
  /** Its address, such as `http://127.0.0.1:7800/`. */
  readonly url: string;
  /** The token that signal, cancel and other changes need. */
  readonly token: string;
  /** `url` with the token: open it to use the actions (as Jupyter prints its address). */
  readonly urlWithToken: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** The port the UI takes unless told. */
export const DEFAULT_UI_PORT = 7800;

/**
 * Serves the web UI for an engine in this process: runs, a run's timeline, the live
 * supervision tree, schedules, and the actions on a run (signal, update, cancel, terminate,
 * pause, resume, reset).
 *
 * @example
 * ```ts
 * const ui = await serveUi(engine, { port: 7800 });
 * console.log(`Reprise UI: ${ui.urlWithToken}`);
 * await ui.close();
 * ```
 */
export function serveUi(engine: Engine, options: UiOptions = {}): Promise<UiServer> {
  return serveUiSource(engineSource(engine), options);
}

/** Serves the web UI over any {@link UiSource} (the CLI's `reprise ui` serves a store with one). */
export async function serveUiSource(source: UiSource, options: UiOptions = {}): Promise<UiServer> {
  const port = options.port ?? DEFAULT_UI_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidArgumentError('port', `${port} is not a port number (0 to 65535)`);
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newToken();
  if (token.length < 16) throw new InvalidArgumentError('token', 'must be at least 16 characters');
  const assets = loadAssets();
  // The Host check needs the bound port, known only once listening (port 0): until then no
  // request can arrive, and the set is empty.
  let hosts: ReadonlySet<string> = new Set();
  const app = createApp({ source, assets, token, hosts: () => hosts });
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host, port });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  hosts = allowedHosts(host, bound);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${bound}/`;
  return {
    url,
    token,
    urlWithToken: `${url}?token=${encodeURIComponent(token)}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
