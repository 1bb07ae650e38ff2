import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Unix socket paths longer than this do not fit `sockaddr_un` on every platform. */
const MAX_SOCKET_PATH_BYTES = 100;

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * The control socket of a data directory: `control.sock` inside it, or (when that path is too
 * long for a Unix socket) a name in the temp directory derived from the directory's absolute
 * path. On Windows, a named pipe derived the same way.
 */
export function controlSocketPath(dataPath: string): string {
  const absolute = resolve(dataPath);
  if (process.platform === 'win32') return `\\\\.\\pipe\\reprise-${digest(absolute)}`;
  const inside = join(absolute, 'control.sock');
  return Buffer.byteLength(inside) < MAX_SOCKET_PATH_BYTES
    ? inside
    : join(tmpdir(), `reprise-${digest(absolute)}.sock`);
}
