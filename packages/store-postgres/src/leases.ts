/**
 * Shard leases in PostgreSQL: core's lease rule (`OwnershipStore`, the in-memory `ShardLeases`),
 * kept in the `shard_leases` and `owners` tables and decided inside one transaction per call,
 * on the database's clock (`store_now()`), never a process's.
 */
import type { ClaimShardsOptions, LiveOwner, ShardLease } from '@reprise/core';
import { fairShare } from '@reprise/core/internal';
import type { PoolClient } from 'pg';

/** The qualified names the lease statements use. */
export interface LeaseTables {
  readonly leases: string;
  readonly epochs: string;
  readonly owners: string;
  readonly config: string;
  readonly now: string;
}

/**
 * See `OwnershipStore.claimShards`; `maxNew` is the checked `maxNewShards` (infinite when
 * absent). One transaction that first locks the settings row, so claims are decided one at a
 * time: every claim sees the leases as the previous one left them.
 */
export async function claimShards(
  client: PoolClient,
  t: LeaseTables,
  shardCount: number,
  ownerId: string,
  options: ClaimShardsOptions,
  maxNew: number,
): Promise<ShardLease[]> {
  await client.query('BEGIN');
  try {
    const [{ now } = { now: 0 }] = (
      await client.query<{ now: number }>(`SELECT ${t.now} AS now FROM ${t.config} FOR UPDATE`)
    ).rows;
    const expiresAt = now + options.ttlMs;
    await client.query(
      `INSERT INTO ${t.owners} (owner, expires_at) VALUES ($1, $2) ON CONFLICT (owner) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
      [ownerId, expiresAt],
    );
    await client.query(`DELETE FROM ${t.owners} WHERE expires_at <= $1`, [now]);
    const [{ live } = { live: '1' }] = (
      await client.query<{ live: string }>(`SELECT count(*) AS live FROM ${t.owners}`)
    ).rows;
    const fair = fairShare(shardCount, Number(live));
    const held = (
      await client.query<{ shard: number }>(
        `SELECT shard FROM ${t.leases} WHERE owner = $1 AND expires_at > $2 ORDER BY shard`,
        [ownerId, now],
      )
    ).rows.map((row) => row.shard);
    // Beyond the fair share: the highest shards go back, to be claimed by the newcomers.
    const excess = held.splice(fair);
    if (excess.length > 0) {
      await client.query(`UPDATE ${t.leases} SET owner = NULL WHERE shard = ANY($1::int[])`, [excess]);
    }
    if (held.length > 0) {
      await client.query(`UPDATE ${t.leases} SET expires_at = $2 WHERE shard = ANY($1::int[])`, [
        held,
        expiresAt,
      ]);
    }
    const wanted = Math.min(maxNew, fair - held.length);
    if (wanted > 0) {
      const claimed = await client.query<{ shard: number }>(
        `UPDATE ${t.leases} SET owner = $1, expires_at = $2 WHERE shard IN ` +
          `(SELECT shard FROM ${t.leases} WHERE owner IS NULL OR expires_at <= $3 ORDER BY shard LIMIT $4) RETURNING shard`,
        [ownerId, expiresAt, now, wanted],
      );
      const shards = claimed.rows.map((row) => row.shard);
      // A new tenure: waits for appends in flight under the old epoch (they hold its row).
      if (shards.length > 0) {
        await client.query(`UPDATE ${t.epochs} SET epoch = epoch + 1 WHERE shard = ANY($1::int[])`, [shards]);
      }
      held.push(...shards);
    }
    const leases = (
      await client.query<{ shard: number; epoch: string; expires_at: number }>(
        `SELECT l.shard, e.epoch, l.expires_at FROM ${t.leases} l JOIN ${t.epochs} e USING (shard) ` +
          'WHERE l.shard = ANY($1::int[]) ORDER BY l.shard',
        [held],
      )
    ).rows.map((row) => ({ shard: row.shard, epoch: Number(row.epoch), expiresAt: row.expires_at }));
    await client.query('COMMIT');
    return leases;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** See `OwnershipStore.releaseShards`: an owner left with nothing has left (it stops counting). */
export async function releaseShards(
  client: PoolClient,
  t: LeaseTables,
  ownerId: string,
  shards: readonly number[],
): Promise<void> {
  await client.query('BEGIN');
  try {
    const [{ now } = { now: 0 }] = (
      await client.query<{ now: number }>(`SELECT ${t.now} AS now FROM ${t.config} FOR UPDATE`)
    ).rows;
    const valid = shards.filter((shard) => Number.isInteger(shard));
    await client.query(
      `UPDATE ${t.leases} SET owner = NULL WHERE owner = $1 AND expires_at > $2 AND shard = ANY($3::int[])`,
      [ownerId, now, valid],
    );
    await client.query(
      `DELETE FROM ${t.owners} WHERE owner = $1 AND NOT EXISTS ` +
        `(SELECT 1 FROM ${t.leases} WHERE owner = $1 AND expires_at > $2)`,
      [ownerId, now],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** The statement of `OwnershipStore.liveOwners` (one statement: one snapshot). */
export const liveOwnersQuery = (t: LeaseTables): string =>
  `WITH now AS (SELECT ${t.now} AS at FROM ${t.config}) ` +
  `SELECT o.owner, o.expires_at, (SELECT count(*) FROM ${t.leases} l, now WHERE l.owner = o.owner AND l.expires_at > now.at) AS shards ` +
  `FROM ${t.owners} o, now WHERE o.expires_at > now.at`;

/** The rows of `liveOwnersQuery` as `LiveOwner`s, in id order (code units, as the in-memory store). */
export const liveOwnersOf = (
  rows: readonly { owner: string; expires_at: number; shards: string }[],
): LiveOwner[] =>
  rows
    .map((row) => ({ ownerId: row.owner, shards: Number(row.shards), expiresAt: row.expires_at }))
    .sort((a, b) => (a.ownerId < b.ownerId ? -1 : a.ownerId > b.ownerId ? 1 : 0));
