// Window: every connection of the store's pool is busy (a recovery replaying hundreds of runs, a
// burst of signals) when a lease renewal is due. A renewal queued behind them reaches the server
// after its lease has expired, and the engine loses every shard it holds; lease calls go over a
// connection of their own, so a renewal is decided while the pool is still busy.
import { afterAll, expect, it } from '@jest/globals';
import pg from 'pg';
import { dropTestSchemas, testSchema } from '../../../test/support/postgres.js';
import { openPostgresStore } from '../src/index.js';

afterAll(() => dropTestSchemas());

const LOCK = 20_261_207;

it('claims and releases shards while every connection of its pool waits', async () => {
  const { url, schema } = await testSchema('lease_pool');
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const store = await openPostgresStore({ pool }, { schema, shardCount: 4 });
  // The pool's only connection waits for an advisory lock that the test holds elsewhere.
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  await holder.query('SELECT pg_advisory_lock($1)', [LOCK]);
  let busyDone = false;
  const busy = pool.query('SELECT pg_advisory_lock($1)', [LOCK]).then(() => {
    busyDone = true;
  });
  try {
    // Until the server shows it waiting for the lock (a state, not a duration).
    for (;;) {
      const { rows } = await holder.query<{ waiting: string }>(
        "SELECT count(*) AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
      );
      if (rows[0]?.waiting === '1') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(pool.idleCount).toBe(0);
    // The claim's outcome, or `queued` as soon as it waits for the pool's connection.
    const claim = store.claimShards('owner-a', { ttlMs: 60_000 });
    let settled = false;
    void claim.finally(() => {
      settled = true;
    });
    const queued = (async () => {
      while (!settled && pool.waitingCount === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      return settled ? 'settled' : 'queued';
    })();
    expect(await queued).toBe('settled');
    const leases = await claim;
    expect(leases.map((lease) => lease.shard)).toEqual([0, 1, 2, 3]);
    await store.releaseShards('owner-a', [0, 1]);
    expect(await store.claimShards('owner-b', { ttlMs: 60_000 })).toHaveLength(2);
    expect(busyDone).toBe(false);
    expect(pool.waitingCount).toBe(0);
  } finally {
    await holder.query('SELECT pg_advisory_unlock($1)', [LOCK]);
    await busy;
    await pool.query('SELECT pg_advisory_unlock($1)', [LOCK]);
    await holder.end();
    await store.close();
    await pool.end();
  }
});
