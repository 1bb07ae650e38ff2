// Property: over random compositions — a tree of a root, its children and grandchildren that
// signal parent to child, child to parent and sibling to sibling, continue as new (parents and
// children, sometimes as another type), fail, clean up after a cancel, or start a child as they
// end — with random cancels of any node (the root included) and random crashes right after a
// chosen append of some piece of work (or once it is done, sometimes again during the recovery):
// every run ends with exactly one terminal, every signal is received exactly once, and every id
// ends as in an uninterrupted run — also when the crashed side keeps one or two runs in memory,
// or hibernates runs at every wait. `SOAK=1` runs 3,000 cases (`SOAK_RUNS`, `SOAK_SEED`).
import fc from 'fast-check';
import {
  cancelsArbitrary,
  crashesArbitrary,
  expectSameAsReference,
  report,
  residencyArbitrary,
  runTree,
  treeArbitrary,
} from './fixtures/composition-tree.js';

const NUM_RUNS = process.env.SOAK === '1' ? Number(process.env.SOAK_RUNS ?? 3000) : 200;

it('every run ends with one terminal, every signal arrives once, every id ends as in an uninterrupted run', async () => {
  let inFlightKills = 0;
  let interruptingKills = 0;
  await fc.assert(
    fc.asyncProperty(
      treeArbitrary,
      cancelsArbitrary,
      crashesArbitrary,
      residencyArbitrary,
      async (plan, cancels, crashes, residency) => {
        const reference = await report((await runTree(plan, cancels, [])).store);
        const run = await runTree(plan, cancels, crashes, residency);
        inFlightKills += run.inFlightKills;
        interruptingKills += run.interruptingKills;
        expectSameAsReference(reference, await report(run.store));
      },
    ),
    {
      numRuns: NUM_RUNS,
      ...(process.env.SOAK_SEED ? { seed: Number(process.env.SOAK_SEED) } : {}),
    },
  );
  // A kill that lands when nothing is under way proves little: many must cut work short.
  expect(interruptingKills).toBeGreaterThan(inFlightKills / 4);
}, 600_000);
