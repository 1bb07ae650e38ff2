/**
 * `npm run bench:postgres`: the order workload (three trivial activities) on Reprise-on-PostgreSQL
 * with 1, 2 and 3 engine processes, and on DBOS Transact (the baseline) on the same server, in
 * the same run. Each prints runs/s for N orders started concurrently, and p50/p99 of start to
 * result for orders run one after another; then the ratios against the issue's targets
 * (concurrent runs/s at least 2x DBOS's with one process; sequential p50 no worse than DBOS's).
 *
 * The server is a throwaway cluster (scripts/pg-cluster.mjs), or REPRISE_PG_URL. DBOS is
 * installed with `npm install --prefix bench/postgres/.scratch` on first use (never a project
 * dependency); `--no-dbos` skips it. `--quick`: fewer runs.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Engine } from '@reprise/engine';
import { openPostgresStore } from '@reprise/store-postgres';
import { activities, LEASE_TTL_MS, order, workflows } from './workload.js';

const quick = process.argv.includes('--quick');
const withDbos = !process.argv.includes('--no-dbos');
const CONCURRENT = quick ? 200 : 1000;
const SEQUENTIAL = quick ? 50 : 200;
const ROOT = join(import.meta.dirname, '..', '..');
const SCRATCH = join(import.meta.dirname, '.scratch');

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};

interface Figures {
  readonly runsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
}

let cluster: { url: string; dir: string } | undefined;
const url =
  process.env.REPRISE_PG_URL ??
  (() => {
    cluster = JSON.parse(
      execFileSync(process.execPath, [join(ROOT, 'scripts/pg-cluster.mjs'), 'start', '--json'], {
        encoding: 'utf8',
      }),
    ) as { url: string; dir: string };
    return cluster.url;
  })();

// Interrupted (Ctrl-C, a timeout): the throwaway cluster goes too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (cluster) execFileSync(process.execPath, [join(ROOT, 'scripts/pg-cluster.mjs'), 'stop', cluster.dir]);
    process.exit(130);
  });
}

/** Starts a helper engine process on `schema`; resolves once its engine is up. */
async function helper(schema: string, name: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      join(import.meta.dirname, 'engine-process.ts'),
      url,
      schema,
      name,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line === 'ready') resolve();
    });
    child.once('exit', (code) => reject(new Error(`helper ${name} exited (${code})`)));
  });
  return child;
}

/** Reprise with `processes` engine processes (this one and helpers) on a fresh schema. */
async function reprise(processes: number): Promise<Figures> {
  const schema = `bench_${processes}_${Date.now().toString(36)}`;
  const store = await openPostgresStore({ connectionString: url, schema, maxConnections: 20 });
  const engine = await Engine.create({
    store,
    workflows,
    activities,
    ownership: { ownerId: 'main', leaseTtlMs: LEASE_TTL_MS },
    logger: { warn: () => {} },
  });
  const helpers: ChildProcess[] = [];
  try {
    for (let n = 1; n < processes; n++) helpers.push(await helper(schema, `helper-${n}`));
    // Wait for the fair share: each process leases its part of the shards.
    for (;;) {
      const owners = await store.liveOwners();
      const fair = Math.ceil(store.shardCount / processes);
      if (owners.length === processes && owners.every((owner) => owner.shards >= fair - 1)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const started = performance.now();
    const handles = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, n) => engine.start(order, `c${n}`, { workflowId: `c-${n}` })),
    );
    await Promise.all(handles.map((handle) => handle.result()));
    const runsPerSecond = CONCURRENT / ((performance.now() - started) / 1000);
    const latencies: number[] = [];
    for (let n = 0; n < SEQUENTIAL; n++) {
      const at = performance.now();
      await (await engine.start(order, `s${n}`, { workflowId: `s-${n}` })).result();
      latencies.push(performance.now() - at);
    }
    return { runsPerSecond, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    for (const child of helpers) child.kill('SIGTERM');
    await Promise.all(helpers.map((child) => new Promise((resolve) => child.once('exit', resolve))));
    await engine.shutdown();
  }
}

/** DBOS Transact on the same server, in its own process (bench/postgres/dbos.mjs). */
async function dbos(): Promise<Figures | undefined> {
  if (!existsSync(join(SCRATCH, 'node_modules', '@dbos-inc', 'dbos-sdk'))) {
    process.stdout.write('installing DBOS Transact into bench/postgres/.scratch ...\n');
    try {
      execFileSync('npm', ['install', '--prefix', SCRATCH, '--no-save', '@dbos-inc/dbos-sdk@5'], {
        stdio: 'ignore',
      });
    } catch (error) {
      process.stdout.write(`DBOS could not be installed (${(error as Error).message}); no baseline\n`);
      return undefined;
    }
  }
  const dbosUrl = new URL(url);
  dbosUrl.pathname = '/dbos_bench';
  const output = execFileSync(
    process.execPath,
    [join(import.meta.dirname, 'dbos.mjs'), dbosUrl.toString(), String(CONCURRENT), String(SEQUENTIAL)],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const { concurrentMs, latencies } = JSON.parse(output.trim().split('\n').pop() as string) as {
    concurrentMs: number;
    latencies: number[];
  };
  return {
    runsPerSecond: CONCURRENT / (concurrentMs / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

const row = (label: string, figures: Figures) =>
  `${label.padEnd(34)} ${fmt(figures.runsPerSecond).padStart(8)} runs/s   p50 ${fmt(figures.p50, 1).padStart(7)} ms   p99 ${fmt(figures.p99, 1).padStart(7)} ms`;

try {
  process.stdout.write(
    `bench:postgres: ${CONCURRENT} orders started concurrently (runs/s), then ${SEQUENTIAL} one at a time (latency)\n`,
  );
  const results: [string, Figures][] = [];
  for (const processes of [1, 2, 3]) {
    const figures = await reprise(processes);
    results.push([`Reprise, ${processes} process(es)`, figures]);
    process.stdout.write(`${row(`Reprise, ${processes} process(es)`, figures)}\n`);
  }
  const baseline = withDbos ? await dbos() : undefined;
  if (baseline) {
    process.stdout.write(`${row('DBOS Transact (baseline)', baseline)}\n`);
    const one = (results[0] as [string, Figures])[1];
    const ratio = one.runsPerSecond / baseline.runsPerSecond;
    process.stdout.write(
      `concurrent runs/s, 1 process: ${fmt(ratio, 2)}x DBOS (target >= 2x: ${ratio >= 2 ? 'met' : 'NOT met'})\n` +
        `sequential p50, 1 process: ${fmt(one.p50, 1)} ms vs DBOS ${fmt(baseline.p50, 1)} ms (target: no worse: ${one.p50 <= baseline.p50 ? 'met' : 'NOT met'})\n`,
    );
  }
} finally {
  if (cluster) execFileSync(process.execPath, [join(ROOT, 'scripts/pg-cluster.mjs'), 'stop', cluster.dir]);
}
