// The DBOS Transact side of bench:postgres (the baseline), run in its own process: the same
// order workload as three steps, on the same PostgreSQL server. DBOS is installed in the bench's
// scratch folder (never a dependency of the project). Prints one JSON line of figures.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [url, concurrentText, sequentialText] = process.argv.slice(2);
const require = createRequire(join(import.meta.dirname, '.scratch', 'package.json'));
// Not a literal import: DBOS lives in the scratch folder only, where the dependency rules (which
// refuse imports they cannot resolve) do not look.
const DBOS_PACKAGE = '@dbos-inc/dbos-sdk';
const { DBOS } = require(DBOS_PACKAGE);

const step = (name) => (id) => DBOS.runStep(async () => `${name} ${id}`, { name });
const reserve = step('reserve');
const charge = step('charge');
const ship = step('ship');
const order = DBOS.registerWorkflow(async (id) => [await reserve(id), await charge(id), await ship(id)], {
  name: 'order',
});

DBOS.setConfig({ name: 'reprise-bench', systemDatabaseUrl: url, logLevel: 'error' });
await DBOS.launch();
const run = Date.now().toString(36);
const concurrent = Number(concurrentText);
const started = performance.now();
const handles = [];
for (let n = 0; n < concurrent; n++)
  handles.push(await DBOS.startWorkflow(order, { workflowID: `c-${run}-${n}` })(`c${n}`));
await Promise.all(handles.map((handle) => handle.getResult()));
const concurrentMs = performance.now() - started;
const latencies = [];
for (let n = 0; n < Number(sequentialText); n++) {
  const at = performance.now();
  const handle = await DBOS.startWorkflow(order, { workflowID: `s-${run}-${n}` })(`s${n}`);
  await handle.getResult();
  latencies.push(performance.now() - at);
}
await DBOS.shutdown();
process.stdout.write(`${JSON.stringify({ concurrentMs, latencies })}\n`);
process.exit(0);
