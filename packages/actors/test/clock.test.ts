import { systemClock, VirtualClock } from '../src/index.js';

describe('VirtualClock', () => {
  it('starts at the given time and only moves when told to', async () => {
    const clock = new VirtualClock(1000);
    expect(clock.now()).toBe(1000);
    await clock.advance(250);
    expect(clock.now()).toBe(1250);
  });

  it('fires timers in due order, ties in creation order, and honours timers armed by callbacks', async () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b@20'), 20);
    clock.setTimeout(() => fired.push('a@10'), 10);
    clock.setTimeout(() => fired.push('c@20'), 20);
    clock.setTimeout(() => {
      fired.push('d@5');
      clock.setTimeout(() => fired.push('e@15'), 10);
      // A promise chain that arms a timer is also honoured.
      void Promise.resolve().then(() => clock.setTimeout(() => fired.push('f@25'), 20));
    }, 5);
    await clock.advance(25);
    expect(fired).toEqual(['d@5', 'a@10', 'e@15', 'b@20', 'c@20', 'f@25']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('sees the due time of each timer while it fires', async () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    clock.setTimeout(() => seen.push(clock.now()), 30);
    clock.setTimeout(() => seen.push(clock.now()), 70);
    await clock.advance(100);
    expect(seen).toEqual([30, 70]);
    expect(clock.now()).toBe(100);
  });

  it('cancels timers and leaves later ones pending', async () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    const id = clock.setTimeout(() => fired.push(1), 10);
    clock.setTimeout(() => fired.push(2), 50);
    clock.clearTimeout(id);
    await clock.advance(20);
    expect(fired).toEqual([]);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('runNext jumps to the next timer and reports when none is left', async () => {
    const clock = new VirtualClock();
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 400);
    expect(await clock.runNext()).toBe(true);
    expect(fired).toEqual([400]);
    expect(await clock.runNext()).toBe(false);
  });
});

describe('systemClock', () => {
  it('has the Clock shape', () => {
    expect(typeof systemClock.now()).toBe('number');
    const id = systemClock.setTimeout(() => {}, 10_000);
    systemClock.clearTimeout(id);
  });
});
