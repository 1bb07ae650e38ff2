/**
 * The conformance suite of the shard-ownership contract (`OwnershipStore` in `@reprise/core`):
 * fair shares, epochs, fences, expiry on the store's clock, the inbox consumed once in the
 * append's atomic step. Every backend that lets several engines share it runs it.
 */
import {
  asRunId,
  asWorkflowId,
  ConcurrencyConflict,
  type EventBody,
  envelopeEvents,
  FencedError,
  InboxItemGoneError,
  type InboxNotice,
  InvalidArgumentError,
  type OwnershipStore,
  type ShardFence,
  type ShardLease,
  shardOf,
  type WorkflowId,
  type WorkflowStore,
} from '@reprise/core';
import { type TestRunnerGlobals, testRunnerGlobals } from './test-runner-globals.js';

let describe: TestRunnerGlobals['describe'];
let it: TestRunnerGlobals['it'];
let expect: TestRunnerGlobals['expect'];
let afterEach: TestRunnerGlobals['afterEach'];

/** A fresh, empty store with ownership, and a way to move its clock on. */
export interface OwnershipFixture {
  /** The store, empty, with at least 4 shards. */
  readonly store: WorkflowStore & OwnershipStore;
  /** Moves the store's clock (the one leases expire on) forward by `ms`. */
  advance(ms: number): void | Promise<void>;
}

/** Makes a fresh fixture for one test; the suite closes its store. */
export type OwnershipFixtureFactory = () => OwnershipFixture | Promise<OwnershipFixture>;

const T0 = 1_700_000_000_000;
const TTL = 3_000;

const started = (runId: string): EventBody =>
  ({
    type: 'WorkflowStarted',
    workflowType: 'order',
    input: null,
    runId: asRunId(runId),
    parentRunId: null,
  }) as EventBody;

/** A workflow id of the given shard (the first of `prefix-0`, `prefix-1`, ... that hashes there). */
export function workflowIdInShard(shard: number, shardCount: number, prefix = 'wf'): WorkflowId {
  for (let n = 0; ; n++) {
    const id = `${prefix}-${shard}-${n}`;
    if (shardOf(id, shardCount) === shard) return asWorkflowId(id);
  }
}

async function appendTo(
  store: WorkflowStore,
  workflowId: WorkflowId,
  bodies: readonly EventBody[],
  extra: { fence?: ShardFence; consumeInbox?: { id: string; outcome: null | string }[] } = {},
): Promise<void> {
  const lastSeq = await store.lastSeq(workflowId);
  await store.append(workflowId, envelopeEvents(workflowId, lastSeq, T0, bodies), {
    expectedSeq: lastSeq,
    ...extra,
  });
}

const shardsOf = (leases: readonly ShardLease[]): number[] => leases.map((lease) => lease.shard);
const fenceOf = (leases: readonly ShardLease[], shard: number): ShardFence => {
  const lease = leases.find((held) => held.shard === shard);
  if (!lease) throw new Error(`shard ${shard} is not held`);
  return { shard, epoch: lease.epoch };
};

/**
 * Declares the ownership conformance suite as a jest `describe`. `makeFixture` is called once
 * per test and must return an empty store whose clock `advance` moves; the suite closes it.
 */
export function describeOwnershipConformance(name: string, makeFixture: OwnershipFixtureFactory): void {
  ({ describe, it, expect, afterEach } = testRunnerGlobals('describeOwnershipConformance'));
  describe(`OwnershipStore conformance: ${name}`, () => {
    const open: WorkflowStore[] = [];
    const fresh = async (): Promise<OwnershipFixture> => {
      const fixture = await makeFixture();
      open.push(fixture.store);
      expect(fixture.store.shardCount).toBeGreaterThanOrEqual(4);
      return fixture;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((store) => store.close()));
    });

    describe('leases', () => {
      it('gives a lone owner every shard, each with an epoch, and renews them with the same epochs', async () => {
        const { store, advance } = await fresh();
        const first = await store.claimShards('a', { ttlMs: TTL });
        expect(shardsOf(first)).toEqual([...Array(store.shardCount).keys()]);
        for (const lease of first) expect(lease.epoch).toBeGreaterThan(0);
        await advance(TTL / 2);
        const renewed = await store.claimShards('a', { ttlMs: TTL });
        expect(renewed.map(({ shard, epoch }) => ({ shard, epoch }))).toEqual(
          first.map(({ shard, epoch }) => ({ shard, epoch })),
        );
        expect((renewed[0] as ShardLease).expiresAt).toBeGreaterThan((first[0] as ShardLease).expiresAt);
      });

      it('claims at most maxNewShards new shards a call', async () => {
        const { store } = await fresh();
        expect(await store.claimShards('a', { ttlMs: TTL, maxNewShards: 2 })).toHaveLength(2);
        expect(await store.claimShards('a', { ttlMs: TTL, maxNewShards: 2 })).toHaveLength(4);
      });

      it('shares the shards fairly between two owners, gradually and never one shard to both', async () => {
        const { store } = await fresh();
        const n = store.shardCount;
        await store.claimShards('a', { ttlMs: TTL });
        let a: ShardLease[] = [];
        let b: ShardLease[] = [];
        for (let round = 0; round < n + 2; round++) {
          b = await store.claimShards('b', { ttlMs: TTL, maxNewShards: 1 });
          a = await store.claimShards('a', { ttlMs: TTL, maxNewShards: 1 });
          const both = shardsOf(a).filter((shard) => shardsOf(b).includes(shard));
          expect(both).toEqual([]);
        }
        const fair = Math.ceil(n / 2);
        expect(a.length).toBeLessThanOrEqual(fair);
        expect(b.length).toBeLessThanOrEqual(fair);
        expect(a.length + b.length).toBe(n);
        expect((await store.liveOwners()).map((owner) => [owner.ownerId, owner.shards])).toEqual([
          ['a', a.length],
          ['b', b.length],
        ]);
      });

      it('lets another owner take an expired lease, with a higher epoch', async () => {
        const { store, advance } = await fresh();
        const a = await store.claimShards('a', { ttlMs: TTL });
        expect(await store.claimShards('b', { ttlMs: TTL })).toEqual([]);
        await advance(TTL + 1);
        expect((await store.liveOwners()).map((owner) => owner.ownerId)).toEqual([]);
        const b = await store.claimShards('b', { ttlMs: TTL });
        expect(shardsOf(b)).toEqual(shardsOf(a));
        for (const lease of b) expect(lease.epoch).toBeGreaterThan(fenceOf(a, lease.shard).epoch);
        // The old owner comes back: the shards are held by b now, so it gets none of them.
        expect(await store.claimShards('a', { ttlMs: TTL, maxNewShards: 0 })).toEqual([]);
      });

      it('gives a released shard a new epoch at its next claim', async () => {
        const { store } = await fresh();
        const a = await store.claimShards('a', { ttlMs: TTL });
        await store.releaseShards('a', [0]);
        const b = await store.claimShards('b', { ttlMs: TTL });
        expect(shardsOf(b)).toContain(0);
        expect(fenceOf(b, 0).epoch).toBeGreaterThan(fenceOf(a, 0).epoch);
        // An owner that gives up everything has left: the fair share no longer counts it.
        await store.releaseShards(
          'a',
          shardsOf(await store.claimShards('a', { ttlMs: TTL, maxNewShards: 0 })),
        );
        expect((await store.liveOwners()).map((owner) => owner.ownerId)).toEqual(['b']);
      });

      it('refuses bad arguments with a typed error', async () => {
        const { store } = await fresh();
        await expect(store.claimShards('', { ttlMs: TTL })).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(store.claimShards('a', { ttlMs: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(store.claimShards('a', { ttlMs: TTL, maxNewShards: -1 })).rejects.toBeInstanceOf(
          InvalidArgumentError,
        );
      });
    });

    describe('fencing', () => {
      it('refuses an append whose fence is stale after a takeover, writing nothing', async () => {
        const { store, advance } = await fresh();
        const id = workflowIdInShard(1, store.shardCount);
        const a = await store.claimShards('a', { ttlMs: TTL });
        await appendTo(store, id, [started('r1')], { fence: fenceOf(a, 1) });
        await advance(TTL + 1);
        const b = await store.claimShards('b', { ttlMs: TTL });
        const error = await appendTo(store, id, [{ type: 'SignalReceived', signalName: 's', payload: 1 }], {
          fence: fenceOf(a, 1),
        }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(FencedError);
        expect((error as FencedError).code).toBe('fenced');
        expect((error as FencedError).message).toContain(`shard 1`);
        expect((error as FencedError).message).toContain(String(fenceOf(a, 1).epoch));
        expect((error as FencedError).message).toContain(String(fenceOf(b, 1).epoch));
        expect(await store.lastSeq(id)).toBe(1);
        await appendTo(store, id, [{ type: 'SignalReceived', signalName: 's', payload: 2 }], {
          fence: fenceOf(b, 1),
        });
        expect(await store.lastSeq(id)).toBe(2);
      });

      it('refuses a fence whose lease expired or was released, even with no new owner', async () => {
        const { store, advance } = await fresh();
        const id = workflowIdInShard(2, store.shardCount);
        const a = await store.claimShards('a', { ttlMs: TTL });
        await advance(TTL + 1);
        await expect(appendTo(store, id, [started('r1')], { fence: fenceOf(a, 2) })).rejects.toBeInstanceOf(
          FencedError,
        );
        const again = await store.claimShards('a', { ttlMs: TTL });
        await store.releaseShards('a', [2]);
        await expect(
          appendTo(store, id, [started('r1')], { fence: fenceOf(again, 2) }),
        ).rejects.toBeInstanceOf(FencedError);
        expect(await store.lastSeq(id)).toBe(0);
      });

      it("refuses a fence that names another shard than the workflow's", async () => {
        const { store } = await fresh();
        const id = workflowIdInShard(0, store.shardCount);
        const a = await store.claimShards('a', { ttlMs: TTL });
        await expect(appendTo(store, id, [started('r1')], { fence: fenceOf(a, 1) })).rejects.toBeInstanceOf(
          InvalidArgumentError,
        );
        expect(await store.lastSeq(id)).toBe(0);
      });
    });

    describe('shard filters', () => {
      it('limits listActive and dueTimers to the shards asked for', async () => {
        const { store } = await fresh();
        const ids = [0, 1, 2].map((shard) => workflowIdInShard(shard, store.shardCount, 'f'));
        for (const id of ids) {
          await appendTo(store, id, [
            started(`r-${id}`),
            { type: 'TimerStarted', timerId: 't', fireAt: T0 + 1 },
          ]);
        }
        const active: WorkflowId[] = [];
        for await (const id of store.listActive({ shards: [0, 2] })) active.push(id);
        expect(active.sort()).toEqual([ids[0], ids[2]].sort());
        const due = await store.dueTimers(T0 + 10, { shards: [1] });
        expect(due.map((timer) => timer.workflowId)).toEqual([ids[1]]);
        expect((await store.dueTimers(T0 + 10)).length).toBe(3);
      });
    });

    describe('inbox', () => {
      it('consumes an item once, in the atomic step of the append that records it', async () => {
        const { store } = await fresh();
        const id = workflowIdInShard(3, store.shardCount);
        const notices: InboxNotice[] = [];
        const stop = store.watchInbox((notice) => notices.push(notice));
        const itemId = await store.enqueueInbox({ workflowId: id, kind: 'signal', payload: { name: 's' } });
        expect(await store.inboxStatus(itemId)).toEqual({ state: 'pending' });
        const pending = await store.pendingInbox([3]);
        expect(
          pending.map((item) => [item.id, item.workflowId, item.kind, item.shard, item.payload]),
        ).toEqual([[itemId, id, 'signal', 3, { name: 's' }]]);
        expect(await store.pendingInbox([0, 1])).toEqual([]);
        const a = await store.claimShards('a', { ttlMs: TTL });
        // An append that fails (a conflict) consumes nothing.
        await expect(
          store.append(id, envelopeEvents(id, 5, T0, [started('r1')]), {
            expectedSeq: 5,
            fence: fenceOf(a, 3),
            consumeInbox: [{ id: itemId, outcome: 'no' }],
          }),
        ).rejects.toBeInstanceOf(ConcurrencyConflict);
        expect(await store.inboxStatus(itemId)).toEqual({ state: 'pending' });
        await appendTo(store, id, [started('r1')], {
          fence: fenceOf(a, 3),
          consumeInbox: [{ id: itemId, outcome: 'recorded' }],
        });
        expect(await store.inboxStatus(itemId)).toEqual({ state: 'consumed', outcome: 'recorded' });
        expect(await store.pendingInbox([3])).toEqual([]);
        // A second append naming it (a retry, another owner) is refused and writes nothing.
        await expect(
          appendTo(store, id, [{ type: 'SignalReceived', signalName: 's', payload: null }], {
            fence: fenceOf(a, 3),
            consumeInbox: [{ id: itemId, outcome: 'again' }],
          }),
        ).rejects.toBeInstanceOf(InboxItemGoneError);
        expect(await store.lastSeq(id)).toBe(1);
        expect(await store.inboxStatus(itemId)).toEqual({ state: 'consumed', outcome: 'recorded' });
        stop();
        expect(notices).toEqual([
          { kind: 'enqueued', id: itemId, shard: 3 },
          { kind: 'consumed', id: itemId, shard: 3 },
        ]);
      });

      it('consumes nothing under a stale fence', async () => {
        const { store, advance } = await fresh();
        const id = workflowIdInShard(1, store.shardCount);
        const itemId = await store.enqueueInbox({ workflowId: id, kind: 'start', payload: null });
        const a = await store.claimShards('a', { ttlMs: TTL });
        await advance(TTL + 1);
        await store.claimShards('b', { ttlMs: TTL });
        await expect(
          appendTo(store, id, [started('r1')], {
            fence: fenceOf(a, 1),
            consumeInbox: [{ id: itemId, outcome: null }],
          }),
        ).rejects.toBeInstanceOf(FencedError);
        await expect(
          store.consumeInbox([{ id: itemId, outcome: null }], fenceOf(a, 1)),
        ).rejects.toBeInstanceOf(FencedError);
        expect(await store.inboxStatus(itemId)).toEqual({ state: 'pending' });
        expect(await store.lastSeq(id)).toBe(0);
      });

      it('consumes an item alone with an outcome (a refused request)', async () => {
        const { store } = await fresh();
        const id = workflowIdInShard(0, store.shardCount);
        const itemId = await store.enqueueInbox({ workflowId: id, kind: 'cancel', payload: 'why' });
        const a = await store.claimShards('a', { ttlMs: TTL });
        await store.consumeInbox([{ id: itemId, outcome: { error: 'not found' } }], fenceOf(a, 0));
        expect(await store.inboxStatus(itemId)).toEqual({
          state: 'consumed',
          outcome: { error: 'not found' },
        });
        await expect(
          store.consumeInbox([{ id: itemId, outcome: null }], fenceOf(a, 0)),
        ).rejects.toBeInstanceOf(InboxItemGoneError);
        expect(await store.inboxStatus('no-such-item')).toBeUndefined();
      });

      it('refuses a bad request with a typed error', async () => {
        const { store } = await fresh();
        await expect(
          store.enqueueInbox({ workflowId: asWorkflowId('w'), kind: 'explode' as 'start', payload: null }),
        ).rejects.toBeInstanceOf(InvalidArgumentError);
        await expect(
          store.enqueueInbox({
            workflowId: asWorkflowId('w'),
            kind: 'signal',
            payload: undefined as unknown as null,
          }),
        ).rejects.toThrow(/inbox payload|payload/);
      });
    });
  });
}
