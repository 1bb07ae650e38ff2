/** Every trace event carries `at`: the clock time it happened, read when it happened. */

import type { ChildSpec, TraceEvent } from '../src/index.js';
import { slowWorker, testSystem, workerSpec } from './helpers.js';

const T0 = 1_700_000_000_000;

/** A trapping child that takes `cleanupMs` of clock time to exit after a shutdown signal. */
const slowSpec = (id: string, cleanupMs: number): ChildSpec => ({
  id,
  start: () => ({ logic: slowWorker, input: { cleanupMs }, trapExit: true }),
  shutdown: 1000,
});

/** `[type, childId, ms since T0]` for each event. */
const timeline = (events: readonly TraceEvent[]) =>
  events.map((e) => [e.type, 'childId' in e ? e.childId : undefined, e.at - T0]);

describe('trace timestamps on a virtual clock', () => {
  it('stamp started, exited, restarted, terminated, gave up and stopped with the time each happened', async () => {
    const t = testSystem(T0);
    const sup = await t.system.startSupervisor({
      intensity: 1,
      period: 5000,
      children: [workerSpec('a'), slowSpec('s', 300)],
    });

    await t.clock.advance(100);
    sup.getChild('a')!.send({ type: 'crash' });
    await t.settle();

    // Terminated is stamped when the child has actually gone (300 ms of clean-up), not when asked.
    await t.clock.advance(250);
    const terminating = sup.terminateChild('s');
    await t.clock.advance(300);
    await terminating;
    await sup.restartChild('s');

    // Two crashes within the period exceed intensity 1 (the first restart is long forgotten).
    await t.clock.advance(10_000);
    sup.getChild('a')!.send({ type: 'crash' });
    await t.settle();
    await t.clock.advance(500);
    sup.getChild('a')!.send({ type: 'crash' });
    await t.settle();
    // The supervisor now waits for `s` to clean up before it stops.
    await t.clock.advance(300);
    await sup.exited;

    expect(timeline(t.events)).toEqual([
      ['child_started', 'a', 0],
      ['child_started', 's', 0],
      ['child_exited', 'a', 100],
      ['child_restarted', 'a', 100],
      ['child_terminated', 's', 650],
      ['child_started', 's', 650],
      ['child_exited', 'a', 10_650],
      ['child_restarted', 'a', 10_650],
      ['child_exited', 'a', 11_150],
      ['supervisor_gave_up', 'a', 11_150],
      ['child_terminated', 's', 11_450],
      ['supervisor_stopped', undefined, 11_450],
    ]);
    await t.system.shutdown();
  });

  it('stamp a failed static start and the stop it causes', async () => {
    const t = testSystem(T0);
    await t.clock.advance(2000);
    const failing = t.system.startSupervisor({
      children: [
        slowSpec('s', 400),
        {
          id: 'bad',
          start: () => {
            throw new Error('no database');
          },
        },
      ],
    });
    const settled = failing.catch(() => undefined);
    await t.clock.advance(400);
    await settled;
    await expect(failing).rejects.toMatchObject({ code: 'failed_to_start_child' });
    expect(timeline(t.events)).toEqual([
      ['child_started', 's', 2000],
      ['child_start_failed', 'bad', 2000],
      ['child_terminated', 's', 2400],
      ['supervisor_stopped', undefined, 2400],
    ]);
    await t.system.shutdown();
  });
});
