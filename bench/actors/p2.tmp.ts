import { createActor, createMachine } from 'xstate';
import { createActorSystem, type Process } from '../../packages/actors/src/index.js';

const worker = createMachine({
  initial: 'up',
  states: { up: { on: { finish: 'done' } }, done: { type: 'final' } },
});
const system = createActorSystem();
const sup = await system.startSupervisor({
  strategy: 'simple_one_for_one',
  children: [{ id: 'w', start: () => worker, restart: 'temporary', shutdown: 'brutal_kill' }],
});
const B = Number(process.env.B ?? 100);
const modes: Record<string, () => Promise<void> | void> = {
  raw: () => {
    for (let i = 0; i < B; i++) createActor(worker).start().stop();
  },
  rawKeep: () => {
    const a = [];
    for (let i = 0; i < B; i++) a.push(createActor(worker).start());
    for (const x of a) x.stop();
  },
  spawn: async () => {
    for (let i = 0; i < B; i++) {
      const p = system.spawn(worker);
      p.exit('kill');
    }
    await Promise.resolve();
  },
  sup: async () => {
    const started: Promise<Process>[] = [];
    for (let i = 0; i < B; i++) started.push(sup.startChild());
    const children = await Promise.all(started);
    await Promise.all(children.map((c) => sup.terminateChild(c)));
  },
};
for (let round = 0; round < 3; round++) {
  for (const [mode, fn] of Object.entries(modes)) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let ops = 0;
    while (performance.now() - t0 < 500) {
      await fn();
      ops += B;
    }
    const c = process.cpuUsage(c0);
    console.log(
      mode.padEnd(8),
      (((performance.now() - t0) * 1000) / ops).toFixed(2),
      'wall',
      ((c.user + c.system) / ops).toFixed(2),
      'cpu',
    );
  }
}
await system.shutdown();
