// The control socket's failures are typed errors: a holder that cannot be reached or closes without answering (worker_unreachable), and a request of an unknown operation (invalid_argument, naming it).
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Engine } from '@reprise/engine';
import { tempDirs } from '@reprise/testkit/internal';
import { sendControlRequest } from '../src/control/control-client.js';
import { engineControlHandler } from '../src/control/engine-handler.js';
import type { ControlRequest } from '../src/control/protocol.js';

const dirs = tempDirs('cli-control');
afterAll(() => dirs.removeAll());

it('a socket nobody listens on is worker_unreachable, naming the socket', async () => {
  const socket = join(dirs.make(), 'control.sock');
  await expect(sendControlRequest(socket, { op: 'hello' })).rejects.toMatchObject({
    name: 'CliError',
    code: 'worker_unreachable',
    message: expect.stringContaining(`the holder of ${socket} cannot be reached`),
  });
});

it('a holder that closes without answering is worker_unreachable', async () => {
  const socket = join(dirs.make(), 'control.sock');
  // Reads the request, then hangs up: a holder that died while serving it.
  const server = createServer((connection) => connection.once('data', () => connection.destroy()));
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  try {
    await expect(sendControlRequest(socket, { op: 'hello' })).rejects.toMatchObject({
      code: 'worker_unreachable',
      message: `the holder of ${socket} closed without answering`,
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

it('an unknown operation is an invalid_argument naming it', async () => {
  const handle = engineControlHandler({} as Engine);
  await expect(handle({ op: 'reboot' } as unknown as ControlRequest)).rejects.toMatchObject({
    code: 'invalid_argument',
    message: 'request.op: unknown operation "reboot"',
  });
});
