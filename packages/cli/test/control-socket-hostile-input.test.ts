// Window: a request the control socket did not expect (an empty or over-long id, `null`, random
// bytes, a line without end, a silent client) threw outside the server's try and killed the worker,
// grew its buffer without bound, or held a connection forever. Every one now gets a typed answer
// or a clean close, and the worker keeps serving.
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineWorkflow, InMemoryStore } from '@reprise/core';
import { Engine, VirtualClock } from '@reprise/engine';
import fc from 'fast-check';
import { ControlServer } from '../src/control/control-server.js';
import { engineControlHandler } from '../src/control/engine-handler.js';
import type { ControlReply } from '../src/control/protocol.js';

const IDLE_MS = 30_000;
const waiter = defineWorkflow('waiter', async (ctx) => ctx.waitForSignal('go'));

let dir: string;
let clock: VirtualClock;
let engine: Engine;
let server: ControlServer;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'reprise-control-'));
  clock = new VirtualClock(1_000_000);
  engine = await Engine.create({ store: new InMemoryStore(), workflows: [waiter], clock });
  const claim = await ControlServer.claim(dir, 'worker', 'a test worker', { clock, idleTimeoutMs: IDLE_MS });
  if (claim.kind !== 'claimed') throw new Error('the data directory is held');
  server = claim.server;
  server.serve(engineControlHandler(engine));
});

afterEach(async () => {
  await server.close();
  await engine.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends raw bytes; resolves with what came back once the server closes the connection. */
function exchange(bytes: Uint8Array | string, { end = false } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(server.path);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(received).toString('utf8')));
    socket.on('connect', () => {
      socket.write(bytes);
      if (end) socket.end();
    });
  });
}

const ask = async (line: string): Promise<ControlReply> => JSON.parse(await exchange(`${line}\n`));

const refusalCode = (reply: ControlReply): string | undefined =>
  !reply.ok && !reply.busy ? reply.error.code : undefined;

async function stillServes(): Promise<void> {
  expect(await ask('{"op":"hello"}')).toMatchObject({ ok: true, role: 'worker' });
}

it.each([
  ['describe with an empty id', { op: 'describe', workflowId: '' }, 'invalid_argument'],
  [
    'signal with an empty id',
    { op: 'signal', workflowId: '', name: 'go', payload: null },
    'invalid_argument',
  ],
  ['cancel with an empty id', { op: 'cancel', workflowId: '' }, 'invalid_argument'],
  ['describe with a 600-character id', { op: 'describe', workflowId: 'x'.repeat(600) }, 'invalid_argument'],
  ['a request without its id', { op: 'describe' }, 'invalid_argument'],
  ['an unknown op', { op: 'drop-tables' }, 'invalid_argument'],
  ['the raw line null', null, 'invalid_argument'],
  ['a JSON array', [1, 2], 'invalid_argument'],
])('%s gets a typed error and the worker keeps serving', async (_name, request, code) => {
  const reply = await ask(JSON.stringify(request));
  expect(refusalCode(reply)).toBe(code);
  await stillServes();
});

it('a line that is not JSON gets a typed error', async () => {
  expect(refusalCode(await ask('{"op":'))).toBe('invalid_argument');
  await stillServes();
});

it('refuses a request longer than 1 MiB without a newline, and closes the connection', async () => {
  const reply = JSON.parse(await exchange('x'.repeat(1024 * 1024 + 1))) as ControlReply;
  expect(refusalCode(reply)).toBe('request_too_large');
  await stillServes();
});

it('closes a connection that stays silent for the idle timeout, on the clock', async () => {
  const socket = createConnection(server.path);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.write('{"op":"hel');
  // The server arms its idle timer on the virtual clock once it has the connection.
  while (clock.pendingTimers() === 0) await new Promise((resolve) => setImmediate(resolve));
  await clock.advance(IDLE_MS - 1);
  expect(clock.pendingTimers()).toBe(1);
  await clock.advance(1);
  await closed;
  expect(clock.pendingTimers()).toBe(0);
  await stillServes();
});

it('answers any byte string with a typed reply or a clean close, and keeps serving', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        fc.string({ unit: 'binary', maxLength: 200 }).map((text) => new TextEncoder().encode(text)),
        fc
          .record({
            op: fc.constantFrom('hello', 'start', 'signal', 'cancel', 'describe', 'other'),
            workflowId: fc.oneof(fc.string(), fc.constant(null), fc.integer()),
            workflowType: fc.oneof(fc.constant('waiter'), fc.string()),
            name: fc.oneof(fc.string(), fc.constant(undefined)),
            payload: fc.jsonValue(),
          })
          .map((request) => new TextEncoder().encode(JSON.stringify(request))),
      ),
      fc.boolean(),
      async (bytes, withNewline) => {
        const terminated = withNewline || bytes.includes(0x0a);
        const raw = await exchange(withNewline ? Buffer.concat([bytes, Buffer.from('\n')]) : bytes, {
          end: !terminated,
        });
        if (terminated) {
          const reply = JSON.parse(raw) as ControlReply;
          if (!reply.ok) expect(typeof refusalCode(reply)).toBe('string');
        } else {
          expect(raw).toBe('');
        }
        await stillServes();
      },
    ),
    { numRuns: 60 },
  );
  // Socket round trips only: the generous limit is for slow machines, nothing waits on it.
}, 60_000);
