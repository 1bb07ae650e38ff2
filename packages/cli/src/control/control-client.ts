import { createConnection } from 'node:net';
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
    const socket = createConnection(socketPath);
    let buffer = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer on ${socketPath}`)));
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const line = buffer.split('\n')[0];
      if (!line) {
        reject(
          Object.assign(new Error(`the holder of ${socketPath} closed without answering`), {
            code: 'ECONNRESET',
          }),
        );
        return;
      }
      try {
        resolve(JSON.parse(line) as ControlReply);
      } catch (error) {
        reject(error);
      }
    });
  });
}
