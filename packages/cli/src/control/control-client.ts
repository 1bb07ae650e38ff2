import { createConnection } from 'node:net';
import { CliError } from '../errors.js';
import type { ControlReply, ControlRequest } from './protocol.js';

/** How long a request may take before the holder counts as not answering. */
const REQUEST_TIMEOUT_MS = 30_000;

/** Sends one request to the process listening on `socketPath` and resolves with its reply. */
export function sendControlRequest(
  socketPath: string,
  request: ControlRequest,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const unreachable = (why: string, cause?: unknown) =>
      reject(
        new CliError(
          'worker_unreachable',
          `the holder of ${socketPath} ${why}`,
          cause ? { cause } : undefined,
        ),
      );
    const socket = createConnection(socketPath);
    let buffer = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () => {
      unreachable(`did not answer within ${timeoutMs} ms`);
      socket.destroy();
    });
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
    });
    socket.on('error', (error) => unreachable(`cannot be reached: ${error.message}`, error));
    socket.on('close', () => {
      const line = buffer.split('\n')[0];
      if (!line) {
        // A promise settles once: after an error or a time-out this changes nothing.
        unreachable('closed without answering');
        return;
      }
      try {
        resolve(JSON.parse(line) as ControlReply);
      } catch (error) {
        unreachable(`answered with something other than JSON: ${(error as Error).message}`, error);
      }
    });
  });
}
