import { mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { type JsonValue, RepriseError } from '@reprise/core';
import { type Clock, systemClock } from '@reprise/engine';
import { sendControlRequest } from './control-client.js';
import { type ControlReply, type ControlRequest, type HolderRole, parseControlRequest } from './protocol.js';
import { controlSocketPath } from './socket-path.js';

/** Answers one control request; `undefined` means "not ready yet" (the caller retries). */
export type ControlHandler = (request: ControlRequest) => Promise<JsonValue> | undefined;

/** How long a connection may stay silent before it is closed. */
const IDLE_TIMEOUT_MS = 30_000;
/** The longest request line accepted (1 MiB); a longer one is refused and its connection closed. */
const MAX_REQUEST_BYTES = 1024 * 1024;

/** Bounds on what one connection may cost the holder. */
export interface ControlLimits {
  /** Time for the idle timeout. Default: the system clock. */
  readonly clock?: Clock;
  /** A connection silent this long is closed. Default 30 s. */
  readonly idleTimeoutMs?: number;
  /** The longest request line, in UTF-8 bytes. Default 1 MiB. */
  readonly maxRequestBytes?: number;
}

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
    private readonly limits: Required<ControlLimits>,
  ) {}

  /**
   * Listens on the data directory's socket. If another live process listens there, returns who
   * it is; a socket file left by a process that died is removed and the claim made again.
   * @internal Apps claim through `claimDataDir`; the commands claim with a role of their own.
   */
  static async claim(
    dataPath: string,
    role: HolderRole,
    name: string,
    limits: ControlLimits = {},
  ): Promise<ClaimResult> {
    const path = controlSocketPath(dataPath);
    if (process.platform !== 'win32') mkdirSync(dirname(path), { recursive: true });
    for (let attempt = 0; ; attempt++) {
      const server = createServer();
      const listening = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
        server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
        server.listen(path, () => resolve(undefined));
      });
      if (!listening) {
        const control = new ControlServer(
          path,
          server,
          { role, pid: process.pid, name },
          {
            clock: limits.clock ?? systemClock,
            idleTimeoutMs: limits.idleTimeoutMs ?? IDLE_TIMEOUT_MS,
            maxRequestBytes: limits.maxRequestBytes ?? MAX_REQUEST_BYTES,
          },
        );
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
    const { clock, idleTimeoutMs, maxRequestBytes } = this.limits;
    let buffer = '';
    let bytes = 0;
    let idle: unknown;
    // An idle connection is closed through the clock, so a client that never finishes its line
    // does not hold a socket (and its buffer) for the worker's lifetime.
    const disarm = (): void => {
      if (idle !== undefined) clock.clearTimeout(idle);
      idle = undefined;
    };
    const rearm = (): void => {
      disarm();
      idle = clock.setTimeout(() => socket.destroy(), idleTimeoutMs);
    };
    const reply = (answer: ControlReply): void => {
      disarm();
      socket.removeAllListeners('data');
      socket.end(`${JSON.stringify(answer)}\n`);
    };
    rearm();
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('close', disarm);
    socket.on('data', (chunk: string) => {
      const end = chunk.indexOf('\n');
      bytes += Buffer.byteLength(end < 0 ? chunk : chunk.slice(0, end));
      if (bytes > maxRequestBytes) {
        // Refuse before buffering more: a line without end would otherwise grow the worker.
        reply(this.#refusal(new RequestTooLargeError(maxRequestBytes)));
        return;
      }
      buffer += end < 0 ? chunk : chunk.slice(0, end);
      if (end < 0) {
        rearm();
        return;
      }
      disarm();
      socket.removeAllListeners('data');
      void this.#answer(buffer).then(reply);
    });
  }

  /**
   * The answer to one request line. Never rejects: whatever the line holds, and whatever the
   * handler throws (synchronously or not), the client gets a typed error and the worker lives.
   */
  async #answer(line: string): Promise<ControlReply> {
    const me = this.identity;
    try {
      const request = parseControlRequest(line);
      if (request.op === 'hello') return { ...me, ok: true, value: null };
      const pending = this.#handler?.(request);
      if (!pending) return { ...me, ok: false, busy: true };
      return { ...me, ok: true, value: await pending };
    } catch (error) {
      return this.#refusal(error);
    }
  }

  #refusal(error: unknown): ControlReply {
    const { name, message, code, ...rest } = (
      error instanceof Error ? error : new Error(String(error))
    ) as Error & { code?: unknown };
    const fields: Record<string, JsonValue> = {};
    for (const [key, value] of Object.entries(rest)) {
      if (key !== 'stack' && ['string', 'number', 'boolean'].includes(typeof value))
        fields[key] = value as JsonValue;
    }
    return {
      ...this.identity,
      ok: false,
      error: {
        name: typeof name === 'string' ? name : 'Error',
        message: typeof message === 'string' ? message : String(error),
        ...(typeof code === 'string' ? { code } : {}),
        fields,
      },
    };
  }
}

/** A request line longer than the control socket accepts; the connection is closed after it. */
export class RequestTooLargeError extends RepriseError {
  readonly code = 'request_too_large';
  constructor(readonly maxBytes: number) {
    super(`the control request is longer than ${maxBytes} bytes without a newline`);
  }
}
