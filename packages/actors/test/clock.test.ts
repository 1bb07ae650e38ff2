import { jest } from '@jest/globals';
import { MAX_HOST_TIMER_MS } from '../src/clock.js';
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

// Delays longer than one host timer holds (2^31-1 ms, about 24.8 days): the host turns them into
// 1 ms. Jest's fake timers clamp the same way, so these run the real systemClock on a fake host.
describe('systemClock with a delay longer than a host timer holds', () => {
  const DAY = 24 * 60 * 60 * 1000;
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('fires a 30-day timer at 30 days and not before', async () => {
    const fired: number[] = [];
    const start = systemClock.now();
    systemClock.setTimeout(() => fired.push(systemClock.now() - start), 30 * DAY);
    await jest.advanceTimersByTimeAsync(30 * DAY - 1);
    expect(fired).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(fired).toEqual([30 * DAY]);
  });

  it('fires a delay of exactly 2^31-1 ms and one of 2^31 ms at their times', async () => {
    const fired: number[] = [];
    systemClock.setTimeout(() => fired.push(MAX_HOST_TIMER_MS), MAX_HOST_TIMER_MS);
    systemClock.setTimeout(() => fired.push(MAX_HOST_TIMER_MS + 1), MAX_HOST_TIMER_MS + 1);
    await jest.advanceTimersByTimeAsync(MAX_HOST_TIMER_MS - 1);
    expect(fired).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(fired).toEqual([MAX_HOST_TIMER_MS]);
    await jest.advanceTimersByTimeAsync(1);
    expect(fired).toEqual([MAX_HOST_TIMER_MS, MAX_HOST_TIMER_MS + 1]);
  });

  it('clearTimeout cancels a long timer in any of its pieces', async () => {
    const fired: string[] = [];
    const early = systemClock.setTimeout(() => fired.push('early'), 100 * DAY);
    const late = systemClock.setTimeout(() => fired.push('late'), 100 * DAY);
    systemClock.clearTimeout(early);
    await jest.advanceTimersByTimeAsync(60 * DAY); // `late` is now in a later piece
    systemClock.clearTimeout(late);
    await jest.advanceTimersByTimeAsync(60 * DAY);
    expect(fired).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('systemClock on the real host', () => {
  // A host timer given more than 2^31-1 ms is what prints TimeoutOverflowWarning and fires at 1 ms.
  it('never hands the host a delay it would clamp, so no TimeoutOverflowWarning', () => {
    const delays: number[] = [];
    const hostSetTimeout = jest.spyOn(globalThis, 'setTimeout').mockImplementation(((
      _fn: () => void,
      ms?: number,
    ) => {
      delays.push(ms ?? 0);
      return 0;
    }) as unknown as typeof setTimeout);
    try {
      systemClock.setTimeout(() => {}, 30 * 24 * 60 * 60 * 1000);
    } finally {
      hostSetTimeout.mockRestore();
    }
    expect(delays).toEqual([MAX_HOST_TIMER_MS]);
  });
});
