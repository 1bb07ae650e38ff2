// A server that cannot be reached is a typed error (StoreUnavailableError naming where and what),
// after the retry window; bad options are InvalidArgumentError before any connection.
import { createServer } from 'node:net';
import { expect, it } from '@jest/globals';
import { InvalidArgumentError, StoreUnavailableError } from '@reprise/core';
import { openPostgresStore } from '../src/index.js';

/** A port with nobody listening (taken, then freed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

it('refuses to open on a server that is down, with StoreUnavailableError naming it, after retrying', async () => {
  const port = await closedPort();
  const error = await openPostgresStore({
    connectionString: `postgresql://someone:secret@127.0.0.1:${port}/reprise`,
    reconnectTimeoutMs: 200,
  }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(StoreUnavailableError);
  expect((error as StoreUnavailableError).code).toBe('store_unavailable');
  expect((error as Error).message).toContain(`127.0.0.1:${port}/reprise`);
  expect((error as Error).message).not.toContain('secret');
});

it('refuses bad options with InvalidArgumentError naming them', async () => {
  await expect(openPostgresStore({ connectionString: '' })).rejects.toThrow(InvalidArgumentError);
  await expect(
    openPostgresStore({ connectionString: 'postgresql://127.0.0.1/x', schema: 'no spaces; DROP' }),
  ).rejects.toThrow(/options\.schema/);
  await expect(
    openPostgresStore({ connectionString: 'postgresql://127.0.0.1/x', reconnectTimeoutMs: -1 }),
  ).rejects.toThrow(/reconnectTimeoutMs/);
});
