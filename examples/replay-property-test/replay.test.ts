// Property tests of a workflow's replay with fast-check, through the testkit: generated inputs,
// activity outcomes, signal timings and cancellations; every recorded history must replay.
import { type CheckReplayOptions, checkReplay, ReplayCheckError } from '@reprise/testkit';
import fc from 'fast-check';
import { awardPoints, charge, fixedLoyaltyCheckout, loyaltyCheckout, type Purchase } from './loyalty.js';

const options: CheckReplayOptions<Purchase> = {
  activities: [charge, awardPoints],
  input: fc.record<Purchase>({
    customer: fc.constantFrom('ada', 'grace', 'alan'),
    amount: fc.integer({ min: 1, max: 500 }),
  }),
  // Send `confirm-bonus` at generated times within 20 hours, so some land in the evening.
  signals: [{ name: 'confirm-bonus', payload: fc.boolean(), maxCount: 1, within: '20h' }],
  numRuns: 50,
};

it('finds the replay bug of reading Date.now() in workflow code, with a shrunk counterexample', async () => {
  // A fixed seed keeps the example's run the same every time; drop it to explore new cases.
  const error = await checkReplay(loyaltyCheckout, { ...options, seed: 42 }).catch(
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ReplayCheckError);
  expect((error as Error).message).toMatch(/replay of "checked" diverged from its recorded history/);
  if (process.env.PRINT_EXAMPLE) console.log((error as Error).message);
});

it('passes once the code reads time through ctx.now()', async () => {
  // Cancellations too: a run asked to cancel must not complete, and its replay must match.
  await checkReplay(fixedLoyaltyCheckout, { ...options, cancel: true });
});
