// The default barrier between a step's input and the commands it led to: every microtask queued
// before a caller asked for it has run when it resolves, whether the caller shares the turn's
// barrier with others or comes after it fired.

import { settle } from '@reprise/core/internal';
import fc from 'fast-check';

/** A chain of `length` microtasks, each queuing the next; `done()` says whether it has ended. */
function microtaskChain(length: number): { done: () => boolean } {
  let left = length;
  const step = (): void => {
    if (--left > 0) queueMicrotask(step);
  };
  if (left > 0) queueMicrotask(step);
  return { done: () => left <= 0 };
}

it('resolves each caller after every microtask chain queued before it asked, in shared turns too', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.nat({ max: 200 }), { minLength: 1, maxLength: 12 }), async (lengths) => {
      // Callers in the same turn (sharing one barrier), each after its own chain was queued.
      const waits = lengths.map((length) => {
        const chain = microtaskChain(length);
        return settle().then(() => chain.done());
      });
      expect(await Promise.all(waits)).toEqual(lengths.map(() => true));
    }),
  );
});

it('gives a caller that comes after the barrier fired the next turn, not a spent one', async () => {
  await settle();
  // Asked from the continuation of the barrier that just fired: a spent (resolved) barrier would
  // let this caller go on before the chain ends.
  const chain = microtaskChain(50);
  await settle();
  expect(chain.done()).toBe(true);
});
