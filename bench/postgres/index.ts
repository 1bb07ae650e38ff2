/**
 * `npm run bench:postgres`: the order workload (three trivial activities) on Reprise-on-PostgreSQL
 * with 1, 2 and 3 engine processes, and on DBOS Transact (the baseline) on the same server, in
 * the same run. Each prints runs/s for N orders started concurrently, and p50/p99 of start to
 * result for orders run one after another; then the ratios against the issue's targets
 * (concurrent runs/s at least 2x DBOS's with one process; sequential p50 no worse than DBOS's).
 *
 * The server is a throwaway cluster (scripts/pg-cluster.mjs), or REPRISE_PG_URL. DBOS is
 * installed with `npm install --prefix bench/postgres/.scratch` on first use (never a project
 * dependency); `--no-dbos` skips it. `--quick`: fewer runs. `--ab`: one process also without
 * grouped appends. Then takeover: the time from a SIGKILL of one of two processes to the first
 * of its runs resumed and completed by the other.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { shardOf } from '@reprise/core';
import { Engine } from '@reprise/engine';
import { openPostgresStore, type PostgresStore } from '@reprise/store-postgres';
import { activities, held, LEASE_TTL_MS, order, workflows } from './workload.js';

const quick = process.argv.includes('--quick');
const withDbos = !process.argv.includes('--no-dbos');
/** `--ab`: Reprise with one process also with `groupAppends: false`, for an A/B of grouping. */
const ab = process.argv.includes('--ab');
const CONCURRENT = quick ? 200 : 1000;
const SEQUENTIAL = quick ? 50 : 200;
const TAKEOVER_RUNS = quick ? 100 : 400;
/** The takeover phase's lease TTL: the engine's default. */
const TAKEOVER_TTL_MS = 3_000;
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

/**
 * Starts a helper engine process on `schema` (lease TTL `ttlMs`, the bench's by default; `hold`:
 * its `hold` activities never finish); resolves once its engine is up.
 */
async function helper(
  schema: string,
  name: string,
  options: { ttlMs?: number; hold?: boolean; group?: boolean } = {},
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'engine-process.ts'),
      url,
      schema,
      name,
      ...(options.ttlMs === undefined ? [] : [String(options.ttlMs)]),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        REPRISE_BENCH_HOLD: options.hold ? '1' : '0',
        REPRISE_BENCH_GROUP: options.group === false ? '0' : '1',
      },
    },
  );
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line === 'ready') resolve();
    });
    child.once('exit', (code) => reject(new Error(`helper ${name} exited (${code})`)));
  });
  return child;
}

/**
 * Reprise with `processes` engine processes (this one and helpers) on a fresh schema (`group`:
 * the stores' `groupAppends`).
 */
async function reprise(processes: number, group = true): Promise<Figures> {
  const schema = `bench_${processes}_${Date.now().toString(36)}`;
  const store = await openPostgresStore({
    connectionString: url,
    schema,
    maxConnections: 20,
    groupAppends: group,
  });
  const engine = await Engine.create({
    store,
    workflows,
    activities,
    ownership: { ownerId: 'main', leaseTtlMs: LEASE_TTL_MS },
    logger: { warn: () => {} },
  });
  const helpers: ChildProcess[] = [];
  try {
    for (let n = 1; n < processes; n++) helpers.push(await helper(schema, `helper-${n}`, { group }));
    // Wait for the fair share: each process leases its part of the shards.
    await fairShares(store, processes);
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

/**
 * Waits until `processes` live owners hold every shard between them, each some (a share is at
 * most the ceiling of the count over the owners, so the last can hold fewer: 22, 22, 20 of 64).
 */
async function fairShares(store: PostgresStore, processes: number): Promise<void> {
  for (;;) {
    const owners = await store.liveOwners();
    const held = owners.reduce((sum, owner) => sum + owner.shards, 0);
    if (owners.length === processes && held === store.shardCount && owners.every((owner) => owner.shards > 0))
      return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What the takeover phase measured. */
interface Takeover {
  /** Runs of the killed process. */
  readonly runs: number;
  /** From the SIGKILL to the first of them completed by the survivor, in ms. */
  readonly firstMs: number;
  /** From the SIGKILL to the last of them completed, in ms. */
  readonly allMs: number;
}

/**
 * Takeover: two processes with the default lease TTL (3 s); TAKEOVER_RUNS `held` runs started
 * through this one, where the helper's `hold` activity never finishes; SIGKILL of the helper;
 * the time until this process, having taken its shards, completes the first and the last of
 * the helper's runs.
 */
async function takeover(): Promise<Takeover> {
  const schema = `bench_takeover_${Date.now().toString(36)}`;
  const store = await openPostgresStore({ connectionString: url, schema, maxConnections: 20 });
  const engine = await Engine.create({
    store,
    workflows,
    activities,
    ownership: { ownerId: 'main', leaseTtlMs: TAKEOVER_TTL_MS },
    logger: { warn: () => {} },
  });
  let child: ChildProcess | undefined;
  try {
    child = await helper(schema, 'doomed', { ttlMs: TAKEOVER_TTL_MS, hold: true });
    await fairShares(store, 2);
    const mine = new Set(engine.ownedShards());
    const ids = Array.from({ length: TAKEOVER_RUNS }, (_, n) => `t-${n}`);
    const theirs = ids.filter((id) => !mine.has(shardOf(id, store.shardCount)));
    const handles = await Promise.all(ids.map((id) => engine.start(held, id, { workflowId: id })));
    const byId = new Map(ids.map((id, n) => [id, handles[n]]));
    // This process's own runs finish; the helper's wait in `hold` until it dies.
    await Promise.all(
      ids.filter((id) => mine.has(shardOf(id, store.shardCount))).map((id) => byId.get(id)?.result()),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    const killedAt = performance.now();
    child.kill('SIGKILL');
    await exited;
    child = undefined;
    const finished = theirs.map((id) =>
      (byId.get(id) as { result(): Promise<unknown> }).result().then(() => performance.now() - killedAt),
    );
    const firstMs = await Promise.race(finished);
    const allMs = Math.max(...(await Promise.all(finished)));
    return { runs: theirs.length, firstMs, allMs };
  } finally {
    child?.kill('SIGKILL');
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
    if (processes === 1 && ab)
      process.stdout.write(`${row('Reprise, 1 process, ungrouped appends', await reprise(1, false))}\n`);
  }
  const taken = await takeover();
  process.stdout.write(
    `takeover, SIGKILL of 1 of 2 processes (lease TTL ${fmt(TAKEOVER_TTL_MS)} ms): first of its ${taken.runs} runs resumed and completed ${fmt(taken.firstMs)} ms after the kill, all ${fmt(taken.allMs)} ms (target < 5,000 ms: ${taken.firstMs < 5000 ? 'met' : 'NOT met'})\n`,
  );
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
