#!/usr/bin/env node
// A throwaway PostgreSQL server for tests and benchmarks: `initdb` in a fresh temporary folder,
// started with `pg_ctl -w` on a unix socket in that folder and on 127.0.0.1 at a free port, one
// database created; stopped and deleted again afterwards. Nothing outside the folder is touched.
//
//   node scripts/pg-cluster.mjs start [--env | --json]   starts one; prints its URL
//                                                        (--env: `export` lines for a shell,
//                                                        --json: { url, dir, port, bin })
//   node scripts/pg-cluster.mjs stop <dir>               stops it and deletes the folder
//   node scripts/pg-cluster.mjs restart <dir>            `pg_ctl restart -m fast` (tests of
//                                                        reconnection)
//
// The server runs as the `postgres` user when this runs as root (PostgreSQL refuses to run as
// root), else as the current user. Authentication is `trust`, which is safe only because the
// server listens on loopback and on a socket in a folder only its owner can enter.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The database every cluster gets. */
export const DATABASE = 'reprise';
/** The file in a cluster's folder that records how to reach it. */
const STATE_FILE = 'reprise-cluster.json';

/** The folder of PostgreSQL's programs: `pg_ctl` on PATH, else Debian's newest version. */
export function findPgBin() {
  const which = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' });
  const onPath = which.status === 0 ? which.stdout.trim() : '';
  if (onPath) {
    // Debian links pg_ctl to a wrapper that picks a cluster; the real programs sit beside the
    // real pg_ctl, so follow the link.
    const real = execFileSync('readlink', ['-f', onPath], { encoding: 'utf8' }).trim();
    const folder = real.slice(0, real.lastIndexOf('/'));
    if (existsSync(join(folder, 'initdb'))) return folder;
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      'PostgreSQL is not installed: no pg_ctl on PATH nor under /usr/lib/postgresql/*/bin ' +
        '(on Debian: apt-get install postgresql)',
    );
  }
  return join(root, versions[0], 'bin');
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs one of PostgreSQL's programs as the cluster's owner; throws with its output on failure. */
function runAsOwner(bin, program, args) {
  const command = isRoot() ? 'runuser' : join(bin, program);
  const argv = isRoot() ? ['-u', 'postgres', '--', join(bin, program), ...args] : args;
  const result = spawnSync(command, argv, { encoding: 'utf8', cwd: tmpdir() });
  if (result.status !== 0) {
    throw new Error(
      `${program} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n` +
        `${result.stdout ?? ''}${result.stderr ?? ''}`,
    );
  }
  return result.stdout;
}

/** A TCP port nobody listens on right now on 127.0.0.1 (the server binds it a moment later). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a fresh cluster. Resolves with `{ url, dir, port, bin }`: `url` reaches the database
 * `reprise` as the superuser `postgres` over 127.0.0.1; `dir` is what `stopCluster` takes.
 */
export async function startCluster() {
  const bin = findPgBin();
  const dir = mkdtempSync(join(tmpdir(), 'reprise-pg-'));
  try {
    if (isRoot()) {
      const owner = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
      const group = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
      if (owner.status !== 0)
        throw new Error('running as root, but there is no `postgres` user to run the server');
      chownSync(dir, Number(owner.stdout.trim()), Number(group.stdout.trim()));
    }
    const data = join(dir, 'data');
    const user = 'postgres';
    runAsOwner(bin, 'initdb', [
      '-D',
      data,
      '-U',
      user,
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--no-instructions',
    ]);
    // Two tries: the port was free a moment ago, but another process may take it first.
    let port;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const options = [
        `-p ${port}`,
        `-k ${dir}`,
        '-c listen_addresses=127.0.0.1',
        '-c shared_buffers=16MB',
        '-c max_connections=300',
        '-c fsync=on',
      ].join(' ');
      try {
        runAsOwner(bin, 'pg_ctl', [
          'start',
          '-w',
          '-t',
          '60',
          '-D',
          data,
          '-l',
          join(dir, 'server.log'),
          '-o',
          options,
        ]);
        break;
      } catch (error) {
        if (attempt >= 3) throw new Error(`${error.message}\nserver log:\n${readLog(dir)}`);
      }
    }
    runAsOwner(bin, 'createdb', ['-h', dir, '-p', String(port), '-U', user, DATABASE]);
    const url = `postgresql://${user}@127.0.0.1:${port}/${DATABASE}`;
    const state = { url, dir, port, bin };
    writeFileSync(join(dir, STATE_FILE), JSON.stringify(state));
    return state;
  } catch (error) {
    stopCluster(dir);
    throw error;
  }
}

function readLog(dir) {
  try {
    return readFileSync(join(dir, 'server.log'), 'utf8');
  } catch {
    return '(none)';
  }
}

function readState(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Stops the cluster in `dir` (immediately: it is throwaway) and deletes the folder. */
export function stopCluster(dir) {
  if (!dir || !existsSync(dir)) return;
  const data = join(dir, 'data');
  if (existsSync(join(data, 'postmaster.pid'))) {
    const bin = readState(dir)?.bin ?? findPgBin();
    try {
      runAsOwner(bin, 'pg_ctl', ['stop', '-w', '-m', 'immediate', '-D', data]);
    } catch (error) {
      process.stderr.write(`pg-cluster: stopping ${dir}: ${error.message}\n`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Restarts the cluster in `dir` with a fast shutdown: every connection is cut, then it comes back. */
export function restartCluster(dir) {
  const state = readState(dir);
  if (!state) throw new Error(`${dir} holds no cluster started by this script`);
  // `-l`: the server's output goes to the log, not to a pipe this process would wait on.
  runAsOwner(state.bin, 'pg_ctl', [
    'restart',
    '-w',
    '-t',
    '60',
    '-m',
    'fast',
    '-D',
    join(dir, 'data'),
    '-l',
    join(dir, 'server.log'),
  ]);
}

async function main(argv) {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start': {
      const state = await startCluster();
      if (rest.includes('--json')) process.stdout.write(`${JSON.stringify(state)}\n`);
      else if (rest.includes('--env')) {
        process.stdout.write(
          `export REPRISE_TEST_PG_URL='${state.url}'\nexport REPRISE_TEST_PG_DIR='${state.dir}'\n`,
        );
      } else process.stdout.write(`${state.url}\n`);
      return;
    }
    case 'stop':
      stopCluster(rest[0] ?? process.env.REPRISE_TEST_PG_DIR);
      return;
    case 'restart':
      restartCluster(rest[0] ?? process.env.REPRISE_TEST_PG_DIR);
      return;
    default:
      process.stderr.write('usage: pg-cluster.mjs start [--env|--json] | stop <dir> | restart <dir>\n');
      process.exitCode = 2;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`pg-cluster: ${error.message}\n`);
    process.exitCode = 1;
  });
}
