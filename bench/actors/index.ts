/**
 * `npm run bench:actors`: the cost of supervision over raw XState, measured in the same run.
 *
 * Every figure is printed beside raw XState `createActor(logic).start()` + `stop()`, measured
 * interleaved with it (median of rounds) so both share the host's noise:
 * - supervised spawn+exit per second (`simple_one_for_one`, temporary children); the exit is
 *   either the supervisor stopping the child (`terminateChild`, the same XState work as raw
 *   `stop()`) or the child reaching its final state (then also shown beside raw start + final event);
 * - `one_for_one` restarts per second (a permanent child crashing, one restart at a time);
 * - message round-trip latency p50/p99 (ping → pong between two processes);
 * - heap bytes per live supervised actor (N = 10k, fresh process each, after GC);
 * - the same spawn+exit and heap for task processes (`task(spec)`: a plain body, no XState
 *   actor), beside the supervised XState actor as well as raw XState.
 */

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type AnyActorRef, createActor, createMachine } from 'xstate';
import {
  type ActorProcess,
  createActorSystem,
  type Process,
  type TraceEvent,
  task,
} from '../../packages/actors/src/index.js';

const worker = createMachine({
  types: {} as { events: { type: 'crash' } | { type: 'finish' } },
  initial: 'up',
  states: {
    up: {
      on: {
        crash: {
          actions: () => {
            throw new Error('crash');
          },
        },
        finish: 'done',
      },
    },
    done: { type: 'final' },
  },
});

/** Replies `pong` to whoever `replyTo` names. */
const echo = createMachine({
  types: {} as { events: { type: 'ping'; replyTo: { send(e: { type: 'pong' }): void } } },
  on: { ping: { actions: ({ event }) => event.replyTo.send({ type: 'pong' }) } },
});

/** Calls `onPong` for each pong. */
const pinger = (onPong: () => void) =>
  createMachine({ types: {} as { events: { type: 'pong' } }, on: { pong: { actions: onPong } } });

const now = (): number => performance.now();
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ratio = (a: number, b: number): string => `${((a / b) * 100).toFixed(0)}%`;
const perSecond = (microseconds: number): number => 1_000_000 / microseconds;

/**
 * CPU microseconds per operation of each body, interleaved over rounds (median). CPU time
 * rather than wall time, so that other processes on a shared host disturb it less.
 */
async function perOp(
  bodies: Record<string, (n: number) => Promise<void> | void>,
  batch: number,
  rounds = 9,
  ms = 250,
): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = {};
  for (const body of Object.values(bodies)) await body(batch); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const [name, body] of Object.entries(bodies)) {
      let ops = 0;
      const start = now();
      const cpu = process.cpuUsage();
      while (now() - start < ms) {
        await body(batch);
        ops += batch;
      }
      const used = process.cpuUsage(cpu);
      const list = samples[name] ?? [];
      samples[name] = list;
      list.push((used.user + used.system) / ops);
    }
  }
  const out: Record<string, number> = {};
  for (const [name, list] of Object.entries(samples)) {
    list.sort((a, b) => a - b);
    out[name] = list[Math.floor(list.length / 2)]!;
  }
  return out;
}

function rawStartStop(n: number): void {
  for (let i = 0; i < n; i++) createActor(worker).start().stop();
}

function rawStartFinish(n: number): void {
  for (let i = 0; i < n; i++) createActor(worker).start().send({ type: 'finish' });
}

function rawStartCrash(n: number): void {
  for (let i = 0; i < n; i++) {
    const actor = createActor(worker);
    actor.subscribe({ error: () => {} });
    actor.start().send({ type: 'crash' });
  }
}

/** A task whose body waits until its process lets go of it: the shape of a waiting workflow run. */
const waitingTask = () => {
  let release: () => void = () => undefined;
  return task({
    run: () =>
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    stop: () => release(),
  });
};

interface Rig {
  /** startChild + terminateChild: the supervisor stops the child, as raw `stop()` does. */
  spawnTerminate(n: number): Promise<void>;
  /** The same with task children ({@link waitingTask}). */
  spawnTerminateTask(n: number): Promise<void>;
  /** startChild, then the child reaches its final state; done when the supervisor has handled each exit. */
  spawnFinish(n: number): Promise<void>;
  /** A permanent one_for_one child crashes; done when the supervisor has restarted it. */
  restart(n: number): Promise<void>;
  close(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const system = createActorSystem();
  let pending = 0;
  let wake: (() => void) | undefined;
  // Supervisors report each exit they handled, and each restart, through the trace hook.
  const onTrace = (e: TraceEvent): void => {
    if ((e.type === 'child_exited' || e.type === 'child_restarted') && --pending === 0) wake?.();
  };
  const waitFor = (n: number): Promise<void> => {
    pending = n;
    return new Promise<void>((resolve) => {
      wake = resolve;
    });
  };
  const template = {
    id: 'w',
    start: () => worker,
    restart: 'temporary' as const,
    shutdown: 'brutal_kill' as const,
  };
  const dynamic = await system.startSupervisor({ strategy: 'simple_one_for_one', children: [template] });
  const tasks = await system.startSupervisor({
    strategy: 'simple_one_for_one',
    children: [{ ...template, start: waitingTask }],
  });
  const observed = await system.startSupervisor({
    strategy: 'simple_one_for_one',
    children: [template],
    onTrace,
  });
  const restarting = await system.startSupervisor({
    strategy: 'one_for_one',
    intensity: 1_000_000_000,
    period: 1000,
    children: [{ id: 'w', start: () => worker, restart: 'permanent', shutdown: 'brutal_kill' }],
    onTrace,
  });
  const startMany = (sup: typeof dynamic, n: number): Promise<Process[]> => {
    const started: Promise<Process>[] = [];
    for (let i = 0; i < n; i++) started.push(sup.startChild());
    return Promise.all(started);
  };
  return {
    async spawnTerminate(n) {
      const children = await startMany(dynamic, n);
      await Promise.all(children.map((child) => dynamic.terminateChild(child)));
    },
    async spawnTerminateTask(n) {
      const children = await startMany(tasks, n);
      await Promise.all(children.map((child) => tasks.terminateChild(child)));
    },
    async spawnFinish(n) {
      const children = await startMany(observed, n);
      const done = waitFor(n);
      for (const child of children) child.send({ type: 'finish' });
      await done;
    },
    async restart(n) {
      for (let i = 0; i < n; i++) {
        const done = waitFor(1);
        restarting.getChild('w')!.send({ type: 'crash' });
        await done;
      }
    },
    close: () => system.shutdown(),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function roundTrip(): Promise<{ raw: [number, number]; supervised: [number, number] }> {
  const samples = 50_000;
  const measure = (ping: () => void, wait: { got: boolean }): [number, number] => {
    const times: number[] = [];
    for (let i = 0; i < samples + 1000; i++) {
      wait.got = false;
      const t0 = now();
      ping();
      const t1 = now();
      if (!wait.got) throw new Error('no pong');
      if (i >= 1000) times.push((t1 - t0) * 1000);
    }
    times.sort((a, b) => a - b);
    return [percentile(times, 0.5), percentile(times, 0.99)];
  };

  const rawWait = { got: false };
  const rawPinger = createActor(pinger(() => (rawWait.got = true))).start();
  const rawEcho = createActor(echo).start();
  const raw = measure(() => rawEcho.send({ type: 'ping', replyTo: rawPinger as AnyActorRef }), rawWait);
  rawPinger.stop();
  rawEcho.stop();

  const system = createActorSystem();
  const supWait = { got: false };
  const sup = await system.startSupervisor({
    children: [
      { id: 'pinger', start: () => pinger(() => (supWait.got = true)) },
      { id: 'echo', start: () => echo },
    ],
  });
  const p = sup.getChild('pinger')!;
  const e = sup.getChild('echo')!;
  const supervised = measure(() => e.send({ type: 'ping', replyTo: p } as { type: string }), supWait);
  await system.shutdown();
  return { raw, supervised };
}

type HeapKind = 'raw' | 'supervised' | 'task';

/** Run in a fresh process: heap bytes per live actor, raw or supervised, or per live task. */
async function heapChild(kind: HeapKind): Promise<void> {
  const n = 10_000;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      gc();
    }
  };
  // Warm up the code paths so compiled code is not counted as per-actor heap.
  const keep: unknown[] = [];
  const system = createActorSystem();
  const sup = await system.startSupervisor({
    strategy: 'simple_one_for_one',
    children: [
      {
        id: 'w',
        start: kind === 'task' ? waitingTask : () => worker,
        restart: 'temporary',
        shutdown: 'brutal_kill',
      },
    ],
  });
  for (let i = 0; i < 100; i++) {
    createActor(worker).start().stop();
    (await sup.startChild()).exit('kill');
  }
  await settle();
  const before = process.memoryUsage().heapUsed;
  if (kind === 'raw') {
    for (let i = 0; i < n; i++) keep.push(createActor(worker).start());
  } else {
    const started: Promise<Process>[] = [];
    for (let i = 0; i < n; i++) started.push(sup.startChild());
    keep.push(...(await Promise.all(started)));
  }
  await settle();
  const after = process.memoryUsage().heapUsed;
  if ((keep as ActorProcess[]).length !== n) throw new Error('lost actors');
  process.stdout.write(String((after - before) / n));
  await system.shutdown();
}

function heapInFreshProcess(kind: HeapKind): number {
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), `--heap=${kind}`],
    { encoding: 'utf8' },
  );
  return Number(out.trim());
}

async function main(): Promise<void> {
  const heapArg = process.argv.find((a) => a.startsWith('--heap='));
  if (heapArg !== undefined) {
    await heapChild(heapArg.slice('--heap='.length) as HeapKind);
    return;
  }

  const r = await rig();
  const t = await perOp(
    {
      rawStartStop,
      rawStartFinish,
      rawStartCrash,
      spawnTerminate: r.spawnTerminate,
      spawnTerminateTask: r.spawnTerminateTask,
      spawnFinish: r.spawnFinish,
      restart: r.restart,
    },
    100,
  );
  await r.close();
  const raw = perSecond(t.rawStartStop!);
  const spawnExit = perSecond(t.spawnTerminate!);
  const taskSpawnExit = perSecond(t.spawnTerminateTask!);
  const spawnFinish = perSecond(t.spawnFinish!);
  const rawFinish = perSecond(t.rawStartFinish!);
  const restarts = perSecond(t.restart!);
  const rawCrash = perSecond(t.rawStartCrash!);
  const latency = await roundTrip();
  const heapRaw = heapInFreshProcess('raw');
  const heapSupervised = heapInFreshProcess('supervised');
  const heapTask = heapInFreshProcess('task');

  const rows: [string, string, string, string][] = [
    ['metric', '@reprise/actors', 'raw XState', 'ratio'],
    [
      'spawn+exit / s (startChild + terminateChild)',
      fmt(spawnExit),
      `${fmt(raw)} start+stop/s`,
      ratio(spawnExit, raw),
    ],
    [
      'spawn+exit / s (child reaches final state)',
      fmt(spawnFinish),
      `${fmt(raw)} start+stop/s`,
      ratio(spawnFinish, raw),
    ],
    [
      '  the same beside raw start + final event',
      fmt(spawnFinish),
      `${fmt(rawFinish)} start+finish/s`,
      ratio(spawnFinish, rawFinish),
    ],
    ['one_for_one restarts / s', fmt(restarts), `${fmt(raw)} start+stop/s`, ratio(restarts, raw)],
    [
      '  the same beside raw start + crash',
      fmt(restarts),
      `${fmt(rawCrash)} start+crash/s`,
      ratio(restarts, rawCrash),
    ],
    [
      'round trip p50 / p99 (µs)',
      `${latency.supervised[0].toFixed(2)} / ${latency.supervised[1].toFixed(2)}`,
      `${latency.raw[0].toFixed(2)} / ${latency.raw[1].toFixed(2)}`,
      `${(latency.supervised[0] / latency.raw[0]).toFixed(2)}x / ${(latency.supervised[1] / latency.raw[1]).toFixed(2)}x`,
    ],
    [
      'heap bytes / live actor (N = 10k)',
      fmt(heapSupervised),
      fmt(heapRaw),
      `${(heapSupervised / heapRaw).toFixed(2)}x`,
    ],
    [
      'task spawn+exit / s (startChild + terminateChild)',
      fmt(taskSpawnExit),
      `${fmt(raw)} start+stop/s`,
      ratio(taskSpawnExit, raw),
    ],
    [
      '  the same beside supervised XState actors',
      fmt(taskSpawnExit),
      `${fmt(spawnExit)} supervised/s`,
      ratio(taskSpawnExit, spawnExit),
    ],
    ['heap bytes / live task (N = 10k)', fmt(heapTask), fmt(heapRaw), `${(heapTask / heapRaw).toFixed(2)}x`],
    [
      '  the same beside a supervised XState actor',
      fmt(heapTask),
      `${fmt(heapSupervised)} supervised`,
      `${(heapTask / heapSupervised).toFixed(2)}x`,
    ],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
  console.log(
    `targets: spawn+exit >= 50% of raw start+stop: ${spawnExit >= raw / 2 ? 'met' : 'NOT met'}` +
      ` (final-state exit: ${spawnFinish >= raw / 2 ? 'met' : 'NOT met'}); ` +
      `heap <= 1.5x raw: ${heapSupervised <= heapRaw * 1.5 ? 'met' : 'NOT met'}`,
  );
}

await main();
