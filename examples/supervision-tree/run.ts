import { createActorSystem, type NoProcError, type TraceEvent } from '@reprise/actors';
import { assign, createMachine, fromPromise } from 'xstate';

/** The sensor keeps readings in memory; a glitch crashes it (and loses them: nothing persists). */
const sensor = createMachine({
  types: {} as {
    context: { readings: number[] };
    events: { type: 'reading'; celsius: number } | { type: 'glitch' };
  },
  context: { readings: [] },
  on: {
    reading: { actions: assign({ readings: ({ context, event }) => [...context.readings, event.celsius] }) },
    glitch: {
      actions: () => {
        throw new Error('sensor glitch');
      },
    },
  },
});

/** The heater runs until told `off`, then reaches its final state: a normal exit. */
const heater = createMachine({
  initial: 'heating',
  states: { heating: { on: { off: 'off' } }, off: { type: 'final' } },
});

/** A one-off calibration job: it finishes and is gone. */
const calibration = fromPromise(async () => 'calibrated');

/**
 * A thermostat app built on `@reprise/actors` alone (no workflows): one `one_for_one`
 * supervisor with a permanent sensor, a transient heater and a temporary calibration job, and a
 * restart intensity of 2 within 5 s. Returns what the app printed.
 */
export async function runSupervisionTree(): Promise<string[]> {
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  // The app waits for the trace of what it caused (a restart, an exit), not for some time: a
  // busy machine only makes the wait longer.
  const awaited = new Set<{ readonly test: (event: TraceEvent) => boolean; readonly resolve: () => void }>();
  const traced = (type: TraceEvent['type'], childId?: string) =>
    new Promise<void>((resolve) => {
      const test = (event: TraceEvent) =>
        event.type === type && (childId === undefined || ('childId' in event && event.childId === childId));
      awaited.add({ test, resolve });
    });
  const onTrace = (event: TraceEvent) => {
    for (const waiter of awaited) {
      if (!waiter.test(event)) continue;
      awaited.delete(waiter);
      waiter.resolve();
    }
    switch (event.type) {
      case 'child_exited':
        log(
          `  trace: ${event.childId} exited (${event.reason instanceof Error ? event.reason.message : event.reason})`,
        );
        break;
      case 'child_restarted':
        log(`  trace: ${event.childId} restarted as ${event.pid}`);
        break;
      case 'supervisor_gave_up':
        log(`  trace: supervisor gave up after ${event.childId} exited once too often`);
        break;
    }
  };
  const system = createActorSystem({ onTrace });
  const calibrated = traced('child_exited', 'calibration');
  const thermostat = await system.startSupervisor({
    id: 'thermostat',
    strategy: 'one_for_one',
    intensity: 2,
    period: 5000,
    children: [
      { id: 'sensor', start: () => sensor, restart: 'permanent', shutdown: 1000, type: 'worker' },
      { id: 'heater', start: () => heater, restart: 'transient', shutdown: 1000, type: 'worker' },
      {
        id: 'calibration',
        start: () => calibration,
        restart: 'temporary',
        shutdown: 'brutal_kill',
        type: 'worker',
      },
    ],
  });
  const children = () =>
    thermostat
      .whichChildren()
      .map((child) => `${child.id}=${child.pid ?? 'stopped'}`)
      .join(' ');
  await calibrated;
  log(`started: ${children()}`);

  const firstSensor = thermostat.getChild('sensor')?.pid;
  const reading = { type: 'reading', celsius: 19.5 };
  let restarted = traced('child_restarted', 'sensor');
  thermostat.getChild('sensor')?.send(reading);
  thermostat.getChild('sensor')?.send({ type: 'glitch' });
  await restarted;
  log(
    `after a glitch the sensor runs again with a new pid: ${thermostat.getChild('sensor')?.pid !== firstSensor}`,
  );

  const heaterDone = traced('child_exited', 'heater');
  thermostat.getChild('heater')?.send({ type: 'off' });
  await heaterDone;
  log(`after the heater finished: ${children()}`);

  restarted = traced('child_restarted', 'sensor');
  thermostat.getChild('sensor')?.send({ type: 'glitch' });
  await restarted;
  // The supervisor stops (it gives up), or restarts the sensor a third time if it did not.
  const stoppedOrRestarted = Promise.race([
    traced('supervisor_stopped'),
    traced('child_restarted', 'sensor'),
  ]);
  thermostat.getChild('sensor')?.send({ type: 'glitch' });
  await stoppedOrRestarted;
  try {
    thermostat.whichChildren();
    log('the supervisor still runs');
  } catch (error) {
    log(
      `three crashes within 5 s exceed the intensity of 2: calls now fail with ${(error as NoProcError).code}`,
    );
  }
  await system.shutdown();
  return lines;
}
