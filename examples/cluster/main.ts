// `npm run demo:cluster`: two engine processes share one PostgreSQL database. Process a starts
// 12 orders; each runs on whichever process leases its shard. Midway process b is killed
// (SIGKILL); once its leases expire (3 s, on the database's clock) process a takes its shards
// over, recovers b's runs from the database and finishes them. Needs REPRISE_PG_URL.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const url = process.env.REPRISE_PG_URL;
if (!url) {
  process.stderr.write(
    'Set REPRISE_PG_URL to a PostgreSQL database, e.g. a throwaway one:\n' +
      '  export REPRISE_PG_URL=$(node scripts/pg-cluster.mjs start)\n',
  );
  process.exit(2);
}

const script = join(import.meta.dirname, 'engine-process.ts');
const startEngine = (name: string, orders: number): ChildProcess => {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', script, name, String(orders)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    },
  );
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    process.stdout.write(`[${name}] ${line}\n`);
    if (line.startsWith('engine a: all')) {
      for (const other of [a, b]) if (other.exitCode === null) other.kill('SIGTERM');
    }
    if (line.startsWith('engine a: started')) {
      // Some orders are now running on b: kill it without a chance to clean up.
      setTimeout(() => {
        process.stdout.write(
          '[demo] killing engine b (SIGKILL): a takes over its shards once its leases expire\n',
        );
        b.kill('SIGKILL');
      }, 1_000);
    }
  });
  return child;
};

const b = startEngine('b', 0);
const a = startEngine('a', 12);
await new Promise((resolve) => a.once('exit', resolve));
process.stdout.write('[demo] done: every order completed once, wherever its shard was leased\n');
