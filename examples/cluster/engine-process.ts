// One engine process of the cluster demo: an engine on the PostgreSQL store that leases a fair
// share of the shards and runs their workflows, until SIGTERM. Process `a` also starts the
// orders (each goes to the inbox of its shard's owner) and prints each result.

import { Engine } from '@reprise/engine';
import { openPostgresStore } from '@reprise/store-postgres';
import { activities, clusterOrder, processName, workflows } from './workflows.js';

const [name = 'a', ordersText = '0'] = process.argv.slice(2);
processName.value = name;
const url = process.env.REPRISE_PG_URL as string;
const schema = process.env.REPRISE_PG_SCHEMA ?? 'reprise_demo';

const store = await openPostgresStore({ connectionString: url, schema });
const engine = await Engine.create({
  store,
  workflows,
  activities,
  ownership: { ownerId: `engine-${name}` },
});
process.stdout.write(`engine ${name}: ready\n`);
process.once('SIGTERM', () => {
  void engine.shutdown().then(() => process.exit(0));
});

const orders = Number(ordersText);
if (orders > 0) {
  // Wait for the other engine to join and the shards to be shared out (a few per renewal).
  for (;;) {
    const owners = await store.liveOwners();
    if (owners.length >= 2 && owners.every((owner) => owner.shards >= store.shardCount / 2)) {
      process.stdout.write(
        `engine ${name}: shards ${owners.map((o) => `${o.ownerId} ${o.shards}`).join(', ')}\n`,
      );
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const run = `${Date.now().toString(36)}`;
  const handles = await Promise.all(
    Array.from({ length: orders }, (_, n) => {
      const id = `order-${run}-${String(n).padStart(2, '0')}`;
      return engine.start(clusterOrder, id, { workflowId: id });
    }),
  );
  process.stdout.write(`engine ${name}: started ${orders} orders\n`);
  for (const handle of handles) {
    const result = await handle.result();
    process.stdout.write(
      `${handle.workflowId}: reserved by ${result.reservedBy}, shipped by ${result.shippedBy}\n`,
    );
  }
  process.stdout.write(`engine ${name}: all ${orders} orders completed\n`);
}
