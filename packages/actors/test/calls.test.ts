/** OTP supervisor docs, the API calls: start/terminate/restart/delete child, which/count children. */

import { createMachine } from 'xstate';
import { NoProcError, SupervisorError } from '../src/index.js';
import { testSystem, worker, workerSpec } from './helpers.js';

describe('startChild', () => {
  it('adds the child last: it starts after and is stopped before the static ones', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ children: [workerSpec('a')] });
    t.names.set(sup.pid, 'S');
    const child = await sup.startChild(workerSpec('dyn'));
    expect(sup.whichChildren().map((c) => [c.id, c.pid])).toEqual([
      ['a', sup.getChild('a')!.pid],
      ['dyn', child.pid],
    ]);
    await sup.stop();
    expect(t.lines().slice(-3)).toEqual([
      'S child_terminated dyn shutdown',
      'S child_terminated a shutdown',
      'S supervisor_stopped shutdown',
    ]);
    await t.system.shutdown();
  });

  it('answers already_started with the pid, and already_present for a stopped child', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ children: [workerSpec('a'), workerSpec('b')] });
    const error = await sup.startChild(workerSpec('a')).catch((e: SupervisorError) => e);
    expect(error).toBeInstanceOf(SupervisorError);
    expect(error).toMatchObject({ code: 'already_started', pid: sup.getChild('a')!.pid });
    await sup.terminateChild('b');
    await expect(sup.startChild(workerSpec('b'))).rejects.toMatchObject({ code: 'already_present' });
    await t.system.shutdown();
  });

  it('does not keep a child whose start fails', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ children: [] });
    const bad = {
      id: 'bad',
      start: () => {
        throw new Error('nope');
      },
    };
    await expect(sup.startChild(bad)).rejects.toMatchObject({ code: 'start_failed', childId: 'bad' });
    expect(sup.whichChildren()).toEqual([]);
    await expect(sup.startChild({ id: '', start: () => worker })).rejects.toMatchObject({
      code: 'invalid_child_spec',
    });
    await t.system.shutdown();
  });
});

describe('terminateChild', () => {
  it('stops a running child and keeps its spec; stopping a stopped child is fine; unknown is not_found', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ children: [workerSpec('a')] });
    const child = sup.getChild('a')!;
    await sup.terminateChild('a');
    expect(child.exitReason).toBe('shutdown');
    expect(sup.whichChildren()).toEqual([{ id: 'a', pid: undefined, type: 'worker', restarting: false }]);
    await expect(sup.terminateChild('a')).resolves.toBeUndefined();
    await expect(sup.terminateChild('zzz')).rejects.toMatchObject({ code: 'not_found' });
    // A terminated permanent child is not restarted, and counts nothing.
    await t.clock.advance(10_000);
    expect(sup.getChild('a')).toBeUndefined();
    await t.system.shutdown();
  });
});

describe('restartChild', () => {
  it('answers running for a running child, not_found for an unknown one, and starts a stopped one alone', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({
      strategy: 'one_for_all',
      children: [workerSpec('a'), workerSpec('b')],
    });
    await expect(sup.restartChild('a')).rejects.toMatchObject({ code: 'running' });
    await expect(sup.restartChild('zzz')).rejects.toMatchObject({ code: 'not_found' });
    const b = sup.getChild('b')!.pid;
    await sup.terminateChild('a');
    const a = await sup.restartChild('a');
    expect(sup.whichChildren().map((c) => c.pid)).toEqual([a.pid, b]);
    await t.system.shutdown();
  });
});

describe('deleteChild', () => {
  it('works only on a stopped child', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ children: [workerSpec('a')] });
    await expect(sup.deleteChild('a')).rejects.toMatchObject({ code: 'running' });
    await expect(sup.deleteChild('zzz')).rejects.toMatchObject({ code: 'not_found' });
    await sup.terminateChild('a');
    await sup.deleteChild('a');
    expect(sup.whichChildren()).toEqual([]);
    await expect(sup.restartChild('a')).rejects.toMatchObject({ code: 'not_found' });
    await t.system.shutdown();
  });
});

describe('a child whose restart fails', () => {
  it('shows as restarting, refuses restart/delete with restarting, and every retry counts', async () => {
    const t = testSystem();
    let failing = false;
    const flaky = {
      id: 'f',
      start: () => {
        if (failing) throw new Error('down');
        return worker;
      },
    };
    const sup = await t.system.startSupervisor({ intensity: 3, children: [flaky, workerSpec('x')] });
    failing = true;
    sup.getChild('f')!.send({ type: 'crash' });
    await t.settle();
    // One restart plus three retries exceed intensity 3.
    expect(t.events.filter((e) => e.type === 'child_start_failed')).toHaveLength(3);
    expect(sup.alive).toBe(false);
    expect(t.events.find((e) => e.type === 'supervisor_gave_up')).toMatchObject({
      childId: 'f',
      reason: expect.objectContaining({ message: 'down' }),
    });
    await t.system.shutdown();
  });

  it('is retried after calls already queued, which see it restarting', async () => {
    const t = testSystem();
    let failures = 1;
    const flaky = {
      id: 'f',
      start: () => {
        if (t.events.length > 0 && failures-- > 0) throw new Error('down');
        return worker;
      },
    };
    const sup = await t.system.startSupervisor({ intensity: 5, children: [flaky] });
    sup.getChild('f')!.send({ type: 'crash' });
    // Queued before the crash is handled; answered between the failed start and the retry.
    const restart = sup.restartChild('f').catch((e: SupervisorError) => e.code);
    const remove = sup.deleteChild('f').catch((e: SupervisorError) => e.code);
    await t.settle();
    expect(await restart).toBe('restarting');
    expect(await remove).toBe('restarting');
    expect(sup.whichChildren()[0]).toMatchObject({ restarting: false });
    expect(sup.getChild('f')).toBeDefined();
    await t.system.shutdown();
  });
});

describe('whichChildren / countChildren', () => {
  it('report children in start order with types and counts', async () => {
    const t = testSystem();
    const { supervisor } = await import('../src/index.js');
    const sup = await t.system.startSupervisor({
      children: [
        workerSpec('a'),
        { id: 's', type: 'supervisor', start: () => supervisor({ children: [] }) },
        workerSpec('b', { restart: 'transient' }),
      ],
    });
    sup.getChild('b')!.send({ type: 'finish' });
    await t.settle();
    expect(sup.whichChildren().map((c) => [c.id, c.type, c.pid !== undefined])).toEqual([
      ['a', 'worker', true],
      ['s', 'supervisor', true],
      ['b', 'worker', false],
    ]);
    expect(sup.countChildren()).toEqual({ specs: 3, active: 2, supervisors: 1, workers: 2 });
    await t.system.shutdown();
  });
});

describe('a supervisor that has exited', () => {
  it('refuses every call with NoProcError', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ children: [workerSpec('a')] });
    await sup.stop();
    expect(() => sup.whichChildren()).toThrow(NoProcError);
    expect(() => sup.countChildren()).toThrow(NoProcError);
    expect(() => sup.getChild('a')).toThrow(NoProcError);
    for (const call of [
      () => sup.startChild(workerSpec('z')),
      () => sup.terminateChild('a'),
      () => sup.restartChild('a'),
      () => sup.deleteChild('a'),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'noproc' });
    }
    await t.system.shutdown();
  });

  it('answers calls queued before it exited with NoProcError', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ intensity: 0, children: [workerSpec('a')] });
    sup.getChild('a')!.send({ type: 'crash' });
    const late = sup.restartChild('a');
    await expect(late).rejects.toBeInstanceOf(NoProcError);
    await t.system.shutdown();
  });
});

describe('a child that ends while starting', () => {
  it('is started, then handled as an exit (a permanent one burns through intensity)', async () => {
    const t = testSystem();
    const instant = createMachine({ initial: 'done', states: { done: { type: 'final' } } });
    const sup = await t.system.startSupervisor({
      intensity: 2,
      children: [{ id: 'i', start: () => instant }],
    });
    await t.settle();
    expect(sup.alive).toBe(false);
    expect(t.events.filter((e) => e.type === 'child_restarted')).toHaveLength(2);
    await t.system.shutdown();
  });
});
