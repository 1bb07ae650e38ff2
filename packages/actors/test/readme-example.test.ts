/** The README's examples: a connection and a worker pool (on a virtual clock), and a task pool. */

import { createMachine, fromPromise } from 'xstate';
import {
  type ActorProcess,
  createActorSystem,
  type Supervisor,
  supervisor,
  task,
  VirtualClock,
} from '../src/index.js';

it('restarts a flaky job inside the pool, and both db and pool when the connection crashes', async () => {
  const connection = createMachine({
    types: {} as { events: { type: 'query'; sql: string; reply: (rows: string) => void } | { type: 'lost' } },
    on: {
      query: { actions: ({ event }) => event.reply(`rows for ${event.sql}`) },
      lost: {
        actions: () => {
          throw new Error('connection lost');
        },
      },
    },
  });
  const attempts = new Map<number, number>();
  const job = (n: number) =>
    fromPromise(async () => {
      const attempt = (attempts.get(n) ?? 0) + 1;
      attempts.set(n, attempt);
      if (attempt === 1) throw new Error('flaky');
      return n * 2;
    });

  const clock = new VirtualClock();
  const results: unknown[] = [];
  const system = createActorSystem({
    clock,
    onTrace: (e) => {
      if (e.type === 'child_exited' && e.reason === 'normal') results.push(e.output);
    },
  });
  const app = await system.startSupervisor({
    id: 'app',
    strategy: 'rest_for_one',
    intensity: 3,
    period: 10_000,
    children: [
      { id: 'db', start: () => connection, restart: 'permanent', shutdown: 1000, type: 'worker' },
      {
        id: 'pool',
        type: 'supervisor',
        restart: 'permanent',
        shutdown: 'infinity',
        start: () =>
          supervisor({
            strategy: 'simple_one_for_one',
            intensity: 10,
            period: 1000,
            children: [
              {
                id: 'job',
                start: (n: number) => job(n),
                restart: 'transient',
                shutdown: 'brutal_kill',
                type: 'worker',
              },
            ],
          }),
      },
    ],
  });

  const replies: string[] = [];
  app.getChild('db')?.send({
    type: 'query',
    sql: 'select 1',
    reply: (rows: string) => replies.push(rows),
  } as {
    type: string;
  });
  expect(replies).toEqual(['rows for select 1']);

  const pool = app.getChild('pool') as Supervisor;
  const first = (await pool.startChild(21)) as ActorProcess;
  expect(((await first.exited) as Error).message).toBe('flaky');
  await clock.advance(0);
  expect(results).toEqual([42]);
  expect(pool.whichChildren()).toEqual([]); // a transient job that finished is gone

  const dbBefore = app.getChild('db')!.pid;
  const poolBefore = pool.pid;
  app.getChild('db')?.send({ type: 'lost' });
  await clock.advance(0);
  expect(app.getChild('db')!.pid).not.toBe(dbBefore);
  expect(app.getChild('pool')!.pid).not.toBe(poolBefore);
  expect(pool.alive).toBe(false);

  await system.shutdown();
  expect(app.alive).toBe(false);
  expect(clock.pendingTimers()).toBe(0);
});

it('runs a task child from a simple_one_for_one pool to its normal exit', async () => {
  const system = createActorSystem();
  const stops: string[] = [];
  const pool = await system.startSupervisor({
    strategy: 'simple_one_for_one',
    intensity: 5,
    period: 1000,
    children: [
      {
        id: 'download',
        restart: 'transient',
        shutdown: 'brutal_kill',
        start: (url: string) => {
          const abort = new AbortController();
          abort.signal.addEventListener('abort', () => stops.push(url));
          return task({
            run: async () => `fetched ${url}`,
            stop: () => abort.abort(),
          });
        },
      },
    ],
  });
  const child = await pool.startChild('https://example.com');
  expect(child.kind).toBe('task');
  expect(await child.exited).toBe('normal');
  expect((child as { output?: unknown }).output).toBe('fetched https://example.com');
  expect(stops).toEqual([]);
  await system.shutdown();
});
