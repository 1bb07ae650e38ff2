import { VirtualClock } from '@reprise/actors';
import fc from 'fast-check';
import { TimerService } from '../src/timer-service.js';

describe('TimerService', () => {
  it('fires timers due at the same time in the order they were armed, whatever the times around them', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 40 }),
        async (times) => {
          const clock = new VirtualClock(0);
          const timers = new TimerService(clock);
          const fired: number[] = [];
          for (const [index, at] of times.entries()) timers.arm(`k${index}`, at, () => fired.push(index));
          await clock.advance(10);
          const expected = times
            .map((at, index) => ({ at, index }))
            .sort((a, b) => a.at - b.at || a.index - b.index);
          expect(fired).toEqual(expected.map((entry) => entry.index));
        },
      ),
    );
  });

  it('arming a key again for the same time keeps its place and calls the latest callback', async () => {
    const clock = new VirtualClock(0);
    const timers = new TimerService(clock);
    const fired: string[] = [];
    timers.arm('a', 5, () => fired.push('a-old'));
    timers.arm('b', 5, () => fired.push('b'));
    timers.arm('a', 5, () => fired.push('a-new'));
    await clock.advance(5);
    expect(fired).toEqual(['a-new', 'b']);
  });

  it('arming a key for another time moves it; a disarmed key never fires', async () => {
    const clock = new VirtualClock(0);
    const timers = new TimerService(clock);
    const fired: string[] = [];
    timers.arm('a', 5, () => fired.push('a'));
    timers.arm('b', 5, () => fired.push('b'));
    timers.arm('c', 5, () => fired.push('c'));
    timers.arm('a', 7, () => fired.push('a-later'));
    timers.disarm('c');
    await clock.advance(10);
    expect(fired).toEqual(['b', 'a-later']);
    expect(timers.size).toBe(0);
  });
});
