// When the map fills it grows; when the file cannot grow (here a file size limit), the append
// fails with StoreUnavailableError, nothing of it is written, and nothing is printed.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, expect, it } from '@jest/globals';
import { asRunId, asWorkflowId, envelopeEvents } from '@reprise/core';
import { openLmdbStore } from '../src/index.js';
import { WORKER } from './child-process.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('map-full');
afterAll(() => dirs.removeAll());

it('grows a map that is far too small', async () => {
  const path = dirs.make();
  const store = openLmdbStore({ path, noSync: true, mapSize: 64 * 1024 });
  const payload = 'y'.repeat(50_000);
  await Promise.all(
    Array.from({ length: 100 }, async (_, index) => {
      const id = asWorkflowId(`big-${index}`);
      const events = envelopeEvents(id, 0, index, [
        {
          type: 'WorkflowStarted',
          workflowType: 't',
          input: payload,
          runId: asRunId('r'),
          parentRunId: null,
        },
        { type: 'WorkflowCompleted', result: payload },
      ]);
      await store.append(id, events, { expectedSeq: 0 });
    }),
  );
  expect(await store.count()).toBe(100);
  await store.close();
  const reopened = openLmdbStore({ path, noSync: true });
  expect(await reopened.readHistory(asWorkflowId('big-99'))).toHaveLength(2);
  expect((await reopened.verify()).problems).toEqual([]);
  await reopened.close();
});

// Generous: it waits only for a worker process to exit (node and tsx start in seconds on a busy
// machine); the timeout bounds a hang, it times nothing.
it('fails an append clearly, writing nothing of it, when the file cannot grow', async () => {
  const path = dirs.make();
  // SIGXFSZ ignored, so going past the limit is an error the store sees, not a dead process.
  const script = `trap '' XFSZ; ulimit -f 4096; exec "$0" --conditions=source --import tsx "$1" fill "$2"`;
  const child = spawn('bash', ['-c', script, process.execPath, WORKER, path], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise((resolve) => child.on('exit', resolve));
  // The failure reaches the caller as a typed error and nothing else: lmdb-js used to print it
  // to stderr itself as well (patches/lmdb+*.patch), past any logger the app gave.
  expect(stderr).toBe('');
  const acks = lines.filter((line) => line.startsWith('ack ')).map((line) => Number(line.split(' ')[2]));
  const lastAck = Math.max(0, ...acks);
  expect(lines.find((line) => line.startsWith('failed '))).toMatch(
    /^failed StoreUnavailableError store_unavailable /,
  );
  // The process kept working after the failure, and saw its history end at the last ack.
  expect(lines).toContain(`lastSeq ${lastAck}`);
  expect(lastAck).toBeGreaterThan(0);

  const store = openLmdbStore({ path });
  const history = await store.readHistory(asWorkflowId('fill'));
  expect(history).toHaveLength(lastAck);
  expect((await store.verify()).problems).toEqual([]);
  await store.close();
}, 120_000);
