// The README's worked example, run as written: checkReplay finds the weekend-promotion bug, and the fix passes.
import { defineActivity, defineWorkflow } from '@reprise/core';
import { checkReplay, ReplayCheckError } from '@reprise/testkit';
import fc from 'fast-check';

const payments = { charge: async (amount: number) => ({ receipt: `r-${amount}` }) };
const mailer = { sendPromo: async (_orderId: string) => 'sent' };

const charge = defineActivity('charge', async (amount: number) => payments.charge(amount));
const promo = defineActivity('promo', async (orderId: string) => mailer.sendPromo(orderId));

const isWeekend = (date: Date) => date.getUTCDay() === 0 || date.getUTCDay() === 6;

const checkout = defineWorkflow('checkout', async (ctx, order: { id: string; amount: number }) => {
  const receipt = await ctx.activity(charge, order.amount);
  if (isWeekend(new Date())) await ctx.activity(promo, order.id); // the bug
  return receipt;
});

const fixedCheckout = defineWorkflow('checkout', async (ctx, order: { id: string; amount: number }) => {
  const receipt = await ctx.activity(charge, order.amount);
  if (isWeekend(new Date(ctx.now()))) await ctx.activity(promo, order.id);
  return receipt;
});

const options = {
  activities: [charge, promo],
  input: fc.record({ id: fc.string({ minLength: 1 }), amount: fc.integer({ min: 1, max: 1000 }) }),
  results: { charge: fc.record({ receipt: fc.uuid() }), promo: fc.constant('sent') },
  numRuns: 20,
};

it('finds the bug, with the history and the divergence in the message', async () => {
  const error = (await checkReplay(checkout, options).catch((thrown: unknown) => thrown)) as ReplayCheckError;
  expect(error).toBeInstanceOf(ReplayCheckError);
  if (process.env.PRINT_EXAMPLE) console.log(error.message);
  expect(error.message).toContain('replay of "checked" diverged from its recorded history at #4:');
  expect(error.message).toContain(
    "recorded the run's end (WorkflowCompleted), code asked for ActivityScheduled promo (activity run1.2)",
  );
  expect(error.message).toMatch(/>> #4 +\+\S+ +WorkflowCompleted result \{"receipt":/);
});

it('passes once the code reads time through ctx.now()', async () => {
  await checkReplay(fixedCheckout, { ...options, cancel: true });
});
