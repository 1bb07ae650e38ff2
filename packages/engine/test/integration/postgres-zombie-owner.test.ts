// Window: an engine process is paused (SIGSTOP) while it owns runs with an activity attempt in
// flight, past its lease; the other two processes take its shards over (seen in the leases table)
// and finish those runs. Then it resumes (SIGCONT) and its attempts end: its first append is
// refused with FencedError, it drops the runs, and nothing it did is in the histories twice.
import { afterAll, expect, it } from '@jest/globals';
import { shardOf } from '@reprise/core';
import { openPostgresStore } from '@reprise/store-postgres';
import { killWorkerProcesses } from '@reprise/testkit/internal';
import { dropTestSchemas, sql, testSchema } from '../../../../test/support/postgres.js';
import { checkApprovedOrders, LEASE_TTL_MS, type Member, startMember, until } from './fixtures/pg-cluster.js';

afterAll(async () => {
  killWorkerProcesses();
  await dropTestSchemas();
});

const HELD = 6;

/** Sends `report` and resolves with the `runs` and `shards` lines it prints. */
async function report(member: Member): Promise<{ runs: string[]; shards: number[] }> {
  const seen = member.process.lines.filter((line) => line.startsWith('shards ')).length;
  member.send('report');
  await until(
    `a report of ${member.ownerId}`,
    async () => member.process.lines.filter((line) => line.startsWith('shards ')).length > seen,
  );
  const last = (prefix: string) =>
    JSON.parse(
      (member.process.lines.filter((line) => line.startsWith(prefix)).at(-1) as string).slice(prefix.length),
    ) as unknown;
  return { runs: last('runs ') as string[], shards: last('shards ') as number[] };
}

it('a paused owner whose shards were taken over is fenced at its first append when it resumes, and drops their runs', async () => {
  const { url, schema } = await testSchema('zombie');
  const store = await openPostgresStore({ connectionString: url, schema });
  const member = (ownerId: string, gate = false) =>
    startMember(url, schema, 0, {
      ownerId,
      leaseTtlMs: LEASE_TTL_MS,
      from: 0,
      to: 0,
      ...(gate ? { gate } : {}),
    });
  try {
    const zombie = member('zombie', true);
    await zombie.process.waitFor((line) => line === 'started');
    const others = [member('b'), member('c')];
    await until('the shards shared by three owners', async () => {
      const owners = await store.liveOwners();
      const fair = Math.ceil(store.shardCount / 3);
      return (
        owners.length === 3 &&
        owners.reduce((sum, owner) => sum + owner.shards, 0) === store.shardCount &&
        owners.every((owner) => owner.shards > 0 && owner.shards <= fair)
      );
    });
    // Runs in the zombie's own shards, approved, each with its `reserve` attempt in flight.
    zombie.send(`hold ${HELD}`);
    const ids = JSON.parse(
      (await zombie.process.waitFor((line) => line.startsWith('held '))).slice(5),
    ) as string[];
    await zombie.process.waitFor((line) => line === `gated ${HELD}`);
    const shards = [...new Set(ids.map((id) => shardOf(id, store.shardCount)))];
    expect((await report(zombie)).shards).toEqual(expect.arrayContaining(shards));

    zombie.process.child.kill('SIGSTOP');
    await until('the zombie’s shards taken by the others', async () => {
      const rows = await sql<{ owner: string | null }>(
        url,
        `SELECT owner FROM "${schema}".shard_leases WHERE shard = ANY($1::int[]) AND expires_at > "${schema}".store_now()`,
        [shards],
      );
      return rows.length === shards.length && rows.every((row) => row.owner === 'b' || row.owner === 'c');
    });
    await until('the zombie’s runs completed by the others', async () => {
      const summaries = await Promise.all(ids.map((id) => store.getSummary(id as never)));
      return summaries.every((summary) => summary?.status === 'Completed');
    });
    const before = await Promise.all(ids.map((id) => store.readHistory(id as never)));

    // Read when it resumes: its attempts return and its runs try to record them.
    zombie.send('release');
    zombie.process.child.kill('SIGCONT');
    const fenced = await zombie.process.waitFor((line) => line.startsWith('fenced '));
    const [, code, shard] = fenced.split(' ');
    expect(code).toBe('fenced');
    expect(shards).toContain(Number(shard));
    await until('the zombie’s runs dropped', async () => {
      const { runs } = await report(zombie);
      return ids.every((id) => !runs.includes(id));
    });

    for (const m of [zombie, ...others]) m.send('shutdown');
    for (const m of [zombie, ...others]) expect(await m.process.exited).toEqual({ code: 0, signal: null });
    const after = await checkApprovedOrders(store, ids);
    expect(ids.map((id) => after.get(id))).toEqual(before);
  } finally {
    await store.close();
  }
}, 300_000);
