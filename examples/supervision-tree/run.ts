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

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/**
 * A thermostat app built on `@reprise/actors` alone (no workflows): one `one_for_one`
 * supervisor with a permanent sensor, a transient heater and a temporary calibration job, and a
 * restart intensity of 2 within 5 s. Returns what the app printed.
 */
export async function runSupervisionTree(): Promise<string[]> {
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  const onTrace = (event: TraceEvent) => {
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
  await settle();
  log(`started: ${children()}`);

  const firstSensor = thermostat.getChild('sensor')?.pid;
  const reading = { type: 'reading', celsius: 19.5 };
  thermostat.getChild('sensor')?.send(reading);
  thermostat.getChild('sensor')?.send({ type: 'glitch' });
  await settle();
  log(
    `after a glitch the sensor runs again with a new pid: ${thermostat.getChild('sensor')?.pid !== firstSensor}`,
  );

  thermostat.getChild('heater')?.send({ type: 'off' });
  await settle();
  log(`after the heater finished: ${children()}`);

  thermostat.getChild('sensor')?.send({ type: 'glitch' });
  await settle();
  thermostat.getChild('sensor')?.send({ type: 'glitch' });
  await settle();
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
