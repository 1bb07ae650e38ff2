// Inbox notices between two stores on one schema (two processes, as far as PostgreSQL knows:
// each has its own pool and its own LISTEN connection): what one enqueues and consumes, and the
// runs it closes, the other hears through NOTIFY, once each; its own it hears at once, never twice.
import { afterAll, expect, it } from '@jest/globals';
import { asRunId, envelopeEvents, type InboxNotice } from '@reprise/core';
import { workflowIdInShard } from '@reprise/testkit';
import { dropTestSchemas, testSchema } from '../../../test/support/postgres.js';
import { openPostgresStore } from '../src/index.js';

afterAll(() => dropTestSchemas());

/**
 * Resolves with the notices of `shard` once `count` have arrived (an event, not a duration). The
 * probes that wait for LISTEN are in another shard: one that comes late is not counted.
 */
function collect(
  watch: (listener: (notice: InboxNotice) => void) => () => void,
  count: number,
  shard: number,
) {
  const notices: InboxNotice[] = [];
  let stop: () => void = () => {};
  const done = new Promise<InboxNotice[]>((resolve) => {
    stop = watch((notice) => {
      if (notice.shard !== shard) return;
      notices.push(notice);
      if (notices.length === count) resolve(notices);
    });
  });
  return { notices, done, stop: () => stop() };
}

it("tells each store of the other's enqueues and consumptions through NOTIFY", async () => {
  const { url, schema } = await testSchema('notices');
  const one = await openPostgresStore({ connectionString: url, schema, shardCount: 4 });
  const two = await openPostgresStore({ connectionString: url, schema });
  const heardByTwo = collect((listener) => two.watchInbox(listener), 3, 2);
  const heardByOne = collect((listener) => one.watchInbox(listener), 3, 2);
  // Let two's LISTEN connection come up: a notice sent before it listens is lost (a hint).
  let ready = false;
  while (!ready) {
    const probe = await one.enqueueInbox({
      workflowId: workflowIdInShard(0, 4, 'probe'),
      kind: 'signal',
      payload: null,
    });
    ready = await new Promise<boolean>((resolve) => {
      const off = two.watchInbox((notice) => {
        if (notice.kind === 'enqueued' && notice.id === probe) {
          off();
          resolve(true);
        }
      });
      setTimeout(() => {
        off();
        resolve(false);
      }, 1_000);
    });
  }

  const id = workflowIdInShard(2, 4, 'wf');
  const itemId = await one.enqueueInbox({ workflowId: id, kind: 'signal', payload: { name: 's' } });
  const [lease] = (await one.claimShards('owner', { ttlMs: 60_000 })).filter((held) => held.shard === 2);
  await one.append(
    id,
    envelopeEvents(id, 0, 1_000, [
      { type: 'WorkflowStarted', workflowType: 'w', input: null, runId: asRunId('r'), parentRunId: null },
    ]),
    {
      expectedSeq: 0,
      fence: { shard: 2, epoch: lease?.epoch ?? 0 },
      consumeInbox: [{ id: itemId, outcome: 'ok' }],
    },
  );
  // An append that records no terminal event closes nothing; the one that does, closes the run.
  await one.append(
    id,
    envelopeEvents(id, 1, 1_001, [{ type: 'SignalReceived', signalName: 's', payload: null }]),
    {
      expectedSeq: 1,
      fence: { shard: 2, epoch: lease?.epoch ?? 0 },
    },
  );
  await one.append(id, envelopeEvents(id, 2, 1_002, [{ type: 'WorkflowCompleted', result: 'done' }]), {
    expectedSeq: 2,
    fence: { shard: 2, epoch: lease?.epoch ?? 0 },
  });
  const expected = [
    { kind: 'enqueued', id: itemId, shard: 2 },
    { kind: 'consumed', id: itemId, shard: 2 },
    { kind: 'closed', workflowId: id, shard: 2 },
  ];
  expect(await heardByTwo.done).toEqual(expected);
  // The store that made the changes told its own listeners at once, and not again through NOTIFY.
  expect(heardByOne.notices).toEqual(expected);
  heardByOne.stop();
  heardByTwo.stop();
  await one.close();
  await two.close();
});
