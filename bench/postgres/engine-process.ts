// A helper engine process of bench:postgres: an engine on the bench's schema that leases its
// share of the shards and runs their orders until SIGTERM.
import { Engine } from '@reprise/engine';
import { openPostgresStore } from '@reprise/store-postgres';
import { activities, LEASE_TTL_MS, workflows } from './workload.js';

const [url, schema, name, ttl] = process.argv.slice(2) as [string, string, string, string | undefined];
const store = await openPostgresStore({
  connectionString: url,
  schema,
  maxConnections: 20,
  groupAppends: process.env.REPRISE_BENCH_GROUP !== '0',
});
const engine = await Engine.create({
  store,
  workflows,
  activities,
  ownership: { ownerId: name, leaseTtlMs: ttl === undefined ? LEASE_TTL_MS : Number(ttl) },
  logger: { warn: () => {} },
});
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void engine.shutdown().then(() => process.exit(0));
});
