import { mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { JsonValue } from '@reprise/core';
import { sendControlRequest } from './control-client.js';
import type { ControlReply, ControlRequest, HolderRole } from './protocol.js';
import { controlSocketPath } from './socket-path.js';

/** Answers one control request; `undefined` means "not ready yet" (the caller retries). */
export type ControlHandler = (request: ControlRequest) => Promise<JsonValue> | undefined;

/** Who holds a data directory, as its hello reply says. */
export interface Holder {
  readonly role: HolderRole;
  readonly pid: number;
  readonly name: string;
}

/** The outcome of trying to hold a data directory. */
export type ClaimResult =
  | { readonly kind: 'claimed'; readonly server: ControlServer }
  | { readonly kind: 'held'; readonly holder: Holder };

/**
 * The control socket of a data directory, which is also its lock: the one process listening on
 * it is the only one that writes through an engine. Other commands find it there and hand it
 * their requests (start, signal, cancel, describe) instead of writing beside it.
 */
export class ControlServer {
  #handler: ControlHandler | undefined;

  private constructor(
    /** The socket's path (a named pipe on Windows), derived from the data directory's. */
    readonly path: string,
    private readonly server: Server,
    private readonly identity: Holder,
  ) {}

  /**
   * Listens on the data directory's socket. If another live process listens there, returns who
   * it is; a socket file left by a process that died is removed and the claim made again.
   * @internal Apps claim through `claimDataDir`; the commands claim with a role of their own.
   */
  static async claim(dataPath: string, role: HolderRole, name: string): Promise<ClaimResult> {
    const path = controlSocketPath(dataPath);
    if (process.platform !== 'win32') mkdirSync(dirname(path), { recursive: true });
    for (let attempt = 0; ; attempt++) {
      const server = createServer();
      const listening = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
        server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
        server.listen(path, () => resolve(undefined));
      });
      if (!listening) {
        const control = new ControlServer(path, server, { role, pid: process.pid, name });
        server.on('connection', (socket) => control.#serve(socket));
        server.on('error', () => undefined);
        return { kind: 'claimed', server: control };
      }
      if (listening.code !== 'EADDRINUSE' || attempt > 0) throw listening;
      try {
        const reply = await sendControlRequest(path, { op: 'hello' });
        return { kind: 'held', holder: { role: reply.role, pid: reply.pid, name: reply.name } };
      } catch {
        // Nobody answers: the socket file outlived its process.
        try {
          unlinkSync(path);
        } catch {
          // someone else removed it first
        }
      }
    }
  }

  /**
   * Starts answering requests with `handler` (until then, every request is answered busy).
   * @internal Apps call `serveEngine`, which builds the handler.
   */
  serve(handler: ControlHandler): void {
    this.#handler = handler;
  }

  /** Stops listening and removes the socket: the data directory is free again. */
  close(): Promise<void> {
    this.#handler = undefined;
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  #serve(socket: Socket): void {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const end = buffer.indexOf('\n');
      if (end < 0) return;
      socket.removeAllListeners('data');
      void this.#answer(buffer.slice(0, end)).then((reply) => socket.end(`${JSON.stringify(reply)}\n`));
    });
  }

  async #answer(line: string): Promise<ControlReply> {
    const me = this.identity;
    let request: ControlRequest;
    try {
      request = JSON.parse(line) as ControlRequest;
    } catch {
      return {
        ...me,
        ok: false,
        error: { name: 'Error', code: 'usage', message: 'the request is not JSON' },
      };
    }
    if (request.op === 'hello') return { ...me, ok: true, value: null };
    const pending = this.#handler?.(request);
    if (!pending) return { ...me, ok: false, busy: true };
    try {
      return { ...me, ok: true, value: await pending };
    } catch (error) {
      const { name, message, code, ...rest } = error as Error & { code?: string };
      const fields: Record<string, JsonValue> = {};
      for (const [key, value] of Object.entries(rest)) {
        if (key !== 'stack' && ['string', 'number', 'boolean'].includes(typeof value))
          fields[key] = value as JsonValue;
      }
      return {
        ...me,
        ok: false,
        error: {
          name: name ?? 'Error',
          message: message ?? String(error),
          ...(code ? { code } : {}),
          fields,
        },
      };
    }
  }
}
