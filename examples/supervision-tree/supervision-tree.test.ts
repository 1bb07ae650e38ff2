import { runSupervisionTree } from './run.js';

it('restarts the permanent sensor, lets the transient heater and the temporary job end, and gives up past its intensity', async () => {
  const lines = await runSupervisionTree();
  expect(lines).toEqual([
    '  trace: calibration exited (normal)',
    expect.stringMatching(/^started: sensor=<[\d.]+> heater=<[\d.]+>$/),
    '  trace: sensor exited (sensor glitch)',
    expect.stringMatching(/^ {2}trace: sensor restarted as <[\d.]+>$/),
    'after a glitch the sensor runs again with a new pid: true',
    '  trace: heater exited (normal)',
    expect.stringMatching(/^after the heater finished: sensor=<[\d.]+> heater=stopped$/),
    '  trace: sensor exited (sensor glitch)',
    expect.stringMatching(/^ {2}trace: sensor restarted as <[\d.]+>$/),
    '  trace: sensor exited (sensor glitch)',
    '  trace: supervisor gave up after sensor exited once too often',
    'three crashes within 5 s exceed the intensity of 2: calls now fail with noproc',
  ]);
});
