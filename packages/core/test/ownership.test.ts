import { InvalidArgumentError, SharedInMemoryStore, StoreClosedError, shardOf } from '@reprise/core';
import { describeEventStoreConformance, describeOwnershipConformance } from '@reprise/testkit';
import fc from 'fast-check';

describeEventStoreConformance('SharedInMemoryStore', () => new SharedInMemoryStore({ shardCount: 4 }));

describeOwnershipConformance('SharedInMemoryStore', () => {
  let now = 1_700_000_000_000;
  const store = new SharedInMemoryStore({ shardCount: 8, clock: { now: () => now } });
  return {
    store,
    advance: (ms) => {
      now += ms;
    },
  };
});

describe('shardOf', () => {
  it('is FNV-1a over the UTF-8 bytes: fixed values every backend must agree on', () => {
    // FNV-1a 32 of "" is 0x811c9dc5, of "a" 0xe40c292c, of "foobar" 0xbf9cf968.
    expect(shardOf('', 65_536)).toBe(0x811c9dc5 % 65_536);
    expect(shardOf('a', 1_000)).toBe(0xe40c292c % 1_000);
    expect(shardOf('foobar', 64)).toBe(0xbf9cf968 % 64);
    expect(shardOf('order-1', 1)).toBe(0);
  });

  it('hashes a string as its UTF-8 bytes (a lone surrogate as U+FFFD)', () => {
    const bytesHash = (bytes: Uint8Array): number => {
      let hash = 0x811c9dc5;
      for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193);
      return hash >>> 0;
    };
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.integer({ min: 1, max: 65_536 }), (id, count) => {
        expect(shardOf(id, count)).toBe(bytesHash(new TextEncoder().encode(id)) % count);
      }),
    );
  });

  it('is stable and in range', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 65_536 }), (id, count) => {
        const shard = shardOf(id, count);
        expect(Number.isInteger(shard) && shard >= 0 && shard < count).toBe(true);
        expect(shardOf(id, count)).toBe(shard);
      }),
    );
  });

  it('spreads ids over the shards', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,6}-$/), (prefix) => {
        const counts = new Array(16).fill(0) as number[];
        for (let n = 0; n < 1_600; n++)
          counts[shardOf(`${prefix}${n}`, 16)] = (counts[shardOf(`${prefix}${n}`, 16)] as number) + 1;
        // 100 expected per shard; a fair hash stays well within these bounds.
        expect(Math.min(...counts)).toBeGreaterThan(50);
        expect(Math.max(...counts)).toBeLessThan(150);
      }),
      { numRuns: 20 },
    );
  });

  it('refuses a bad shard count with a typed error naming it', () => {
    for (const count of [0, -1, 1.5, 65_537, Number.NaN]) {
      expect(() => shardOf('w', count)).toThrow(InvalidArgumentError);
    }
    expect(() => shardOf('w', 0)).toThrow(/shardCount: 0 must/);
  });
});

describe('SharedInMemoryStore.connect', () => {
  it('gives each engine a connection whose close leaves the store open for the others', async () => {
    const store = new SharedInMemoryStore({ shardCount: 4 });
    const first = store.connect();
    const second = store.connect();
    await first.claimShards('a', { ttlMs: 1_000 });
    await first.close();
    await expect(first.lastSeq('w' as never)).rejects.toThrow(/store is closed: cannot lastSeq/);
    expect(() => first.watchInbox(() => {})).toThrow(StoreClosedError);
    expect((await second.liveOwners()).map((owner) => owner.ownerId)).toEqual(['a']);
    await store.close();
    await expect(second.liveOwners()).rejects.toBeInstanceOf(StoreClosedError);
  });
});
