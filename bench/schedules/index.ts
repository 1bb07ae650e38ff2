/**
 * `npm run bench:schedules -- [schedules] [seconds]`:
 * 1,000 schedules firing every second for a minute on the virtual clock (by default), each fire
 * starting a workflow that returns at once. Prints the wall time and CPU time of the run, fires
 * per second, and the heap after GC at each step, so a run shows whether memory grows with
 * time (it grows by what the store keeps: every fire is a workflow with its history) or with
 * anything the schedule service holds (it should not).
 */

import { defineWorkflow } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';

const schedules = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 60);
const rounds = 2;

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = (): number => {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed / 1_048_576;
};
const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main(): Promise<void> {
  if (!gc) console.log('(run with --expose-gc for heap figures after GC)');
  const tick = defineWorkflow('tick', async () => 'ok');
  const env = await createTestEngine({ workflows: [tick] });
  const baseline = heapMb();
  let started = performance.now();
  for (let index = 0; index < schedules; index++) {
    await env.engine.schedules.create({
      scheduleId: `s${index}`,
      spec: { every: '1s' },
      workflowType: 'tick',
      input: index,
    });
  }
  const createMs = performance.now() - started;
  const afterCreate = heapMb();
  console.log(`${fmt(schedules)} schedules every 1s, ${seconds}s per round on the virtual clock`);
  console.log(
    `create: ${fmt(createMs)} ms (${fmt((createMs * 1000) / schedules)} µs each); heap ${fmt(afterCreate - baseline, 1)} MB over baseline`,
  );
  let fires = 0;
  for (let round = 1; round <= rounds; round++) {
    const cpu = process.cpuUsage();
    started = performance.now();
    await env.advance(seconds * 1000);
    const wallMs = performance.now() - started;
    const cpuMs = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000;
    const workflows = await env.engine.store.count();
    const running = await env.engine.store.count({ status: 'Running' });
    const roundFires = workflows - fires;
    fires = workflows;
    const heap = heapMb();
    console.log(
      `round ${round}: ${fmt(roundFires)} fires in ${fmt(wallMs)} ms wall, ${fmt(cpuMs)} ms CPU ` +
        `(${fmt(roundFires / (wallMs / 1000))} fires/s); ${fmt(workflows)} workflows in the store, ${running} running; ` +
        `heap ${fmt(heap - baseline, 1)} MB over baseline (${fmt(((heap - afterCreate) * 1_048_576) / workflows)} B per fire, store included)`,
    );
  }
  const sample = await env.engine.schedules.describe('s0');
  console.log(
    `s0: ${sample.recentActions.length} recent actions kept, ${sample.waiting.length} waiting, ${sample.openWorkflows.length} open`,
  );
  started = performance.now();
  await env.close();
  console.log(`shutdown: ${fmt(performance.now() - started)} ms`);
}

await main();
