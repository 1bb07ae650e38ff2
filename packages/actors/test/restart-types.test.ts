/** OTP supervisor docs, "restart": permanent, transient and temporary children. */

import { testSystem, workerSpec } from './helpers.js';

describe('permanent', () => {
  it('is restarted after a normal exit too, and that restart counts toward intensity', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ intensity: 1, period: 5000, children: [workerSpec('p')] });
    const first = sup.getChild('p')!;
    first.send({ type: 'finish' });
    await t.settle();
    expect(sup.getChild('p')?.pid).not.toBe(first.pid);
    sup.getChild('p')!.send({ type: 'finish' });
    await t.settle();
    expect(sup.alive).toBe(false);
    expect(t.events.map((e) => e.type)).toContain('supervisor_gave_up');
    await t.system.shutdown();
  });
});

describe('transient', () => {
  it('is restarted after an abnormal exit', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ children: [workerSpec('t', { restart: 'transient' })] });
    const first = sup.getChild('t')!;
    first.send({ type: 'crash' });
    await t.settle();
    expect(sup.getChild('t')).toBeDefined();
    expect(sup.getChild('t')!.pid).not.toBe(first.pid);
    await t.system.shutdown();
  });

  it.each([
    [
      'normal',
      (p: { send(e: { type: string }): void; exit(r: 'shutdown'): void }) => p.send({ type: 'finish' }),
    ],
    ['shutdown', (p: { send(e: { type: string }): void; exit(r: 'shutdown'): void }) => p.exit('shutdown')],
  ])('is not restarted after a %s exit, keeps its spec, and counts nothing', async (_reason, stop) => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      intensity: 0,
      children: [workerSpec('t', { restart: 'transient' }), workerSpec('other')],
    });
    stop(sup.getChild('t')!);
    await t.settle();
    expect(sup.alive).toBe(true);
    expect(sup.whichChildren()[0]).toMatchObject({ id: 't', pid: undefined });
    expect(t.events.map((e) => e.type)).not.toContain('child_restarted');
    await t.system.shutdown();
  });
});

describe('temporary', () => {
  it('is never restarted, is removed when it exits, and counts nothing', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      intensity: 0,
      strategy: 'one_for_all',
      children: [workerSpec('keep'), workerSpec('tmp', { restart: 'temporary' })],
    });
    const keep = sup.getChild('keep')!.pid;
    sup.getChild('tmp')!.send({ type: 'crash' });
    await t.settle();
    expect(sup.alive).toBe(true);
    // Its exit restarts no siblings.
    expect(sup.whichChildren()).toEqual([{ id: 'keep', pid: keep, type: 'worker', restarting: false }]);
    await t.system.shutdown();
  });

  it('is removed when terminateChild stops it', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ children: [workerSpec('tmp', { restart: 'temporary' })] });
    await sup.terminateChild('tmp');
    expect(sup.whichChildren()).toEqual([]);
    await t.system.shutdown();
  });

  it('is removed when a group restart stops it as a sibling', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      strategy: 'one_for_all',
      intensity: 3,
      children: [workerSpec('a'), workerSpec('tmp', { restart: 'temporary' }), workerSpec('c')],
    });
    const tmp = sup.getChild('tmp')!;
    sup.getChild('a')!.send({ type: 'crash' });
    await t.settle();
    expect(tmp.exitReason).toBe('shutdown');
    expect(sup.whichChildren().map((c) => c.id)).toEqual(['a', 'c']);
    await t.system.shutdown();
  });
});

describe('group restarts', () => {
  it('start every non-temporary child of the group, including terminated and normally-exited ones', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      strategy: 'rest_for_one',
      intensity: 3,
      children: [
        workerSpec('a'),
        workerSpec('stopped'),
        workerSpec('done', { restart: 'transient' }),
        workerSpec('b'),
      ],
    });
    await sup.terminateChild('stopped');
    sup.getChild('done')!.send({ type: 'finish' });
    await t.settle();
    expect(sup.whichChildren().map((c) => c.pid !== undefined)).toEqual([true, false, false, true]);
    sup.getChild('a')!.send({ type: 'crash' });
    await t.settle();
    expect(sup.whichChildren().map((c) => c.pid !== undefined)).toEqual([true, true, true, true]);
    await t.system.shutdown();
  });
});
