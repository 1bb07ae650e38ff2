/**
 * The order-checkout workflow and its activities: a module `reprise worker` can load (it
 * exports `workflows`, `activities` and `searchAttributes`).
 */
import {
  CancelledError,
  type Duration,
  defineActivity,
  defineWorkflow,
  type SearchAttributeSchema,
} from '@reprise/core';

/** What a customer ordered. */
export interface Order {
  readonly orderId: string;
  readonly customer: string;
  readonly items: readonly { readonly sku: string; readonly quantity: number; readonly price: number }[];
  /** `declined` makes the charge fail for good; anything else is charged. */
  readonly card: string;
  /** How many charge attempts fail (a flaky payment provider) before one succeeds; 0 by default. */
  readonly flakyCharges?: number;
  /** How long to wait for the payment approval signal; `1m` by default. */
  readonly approvalTimeout?: Duration;
}

/** What a completed checkout returns. */
export interface Receipt {
  readonly orderId: string;
  readonly total: number;
  readonly chargeId: string;
  readonly approvedBy: string;
  readonly chargeAttempts: number;
}

/** The signal a payment approver sends. */
export const PAYMENT_APPROVED = 'payment-approved';

/** Holds stock for an order. Idempotent by its key, as activities run at least once. */
export const reserveStock = defineActivity('reserve-stock', async (order: Order, actx) => ({
  reservationId: `res-${actx.idempotencyKey}`,
  units: order.items.reduce((sum, item) => sum + item.quantity, 0),
}));

/** Gives held stock back (the compensation of `reserveStock`). */
export const releaseStock = defineActivity('release-stock', async (reservationId: string) => ({
  released: reservationId,
}));

/** A card the provider refuses; not worth retrying. */
export class CardDeclined extends Error {
  override readonly name = 'CardDeclined';
}

/**
 * Charges the card through a flaky provider: the first `flakyCharges` attempts fail and are
 * retried with backoff; a declined card fails at once (a non-retryable error type).
 */
export const chargeCard = defineActivity(
  'charge-card',
  async (charge: { orderId: string; card: string; amount: number; flakyCharges: number }, actx) => {
    if (charge.card === 'declined') throw new CardDeclined(`card of order ${charge.orderId} declined`);
    if (actx.attempt <= charge.flakyCharges) {
      throw new Error(`payment provider unavailable (attempt ${actx.attempt})`);
    }
    return { chargeId: `ch-${actx.idempotencyKey}`, attempts: actx.attempt };
  },
  {
    retry: {
      initialInterval: '100ms',
      backoffCoefficient: 2,
      maximumAttempts: 5,
      nonRetryableErrorTypes: ['CardDeclined'],
    },
    startToCloseTimeout: '10s',
  },
);

/** Sends the receipt. */
export const sendReceipt = defineActivity(
  'send-receipt',
  async (receipt: { orderId: string; total: number }) => ({
    sent: `receipt for ${receipt.orderId}: ${receipt.total.toFixed(2)}`,
  }),
);

/**
 * Reserve stock, wait for the payment approval signal, charge (retried), pause, send the
 * receipt. Stock is released when the payment is not approved in time, the charge fails, or
 * the order is cancelled; the release runs in a non-cancellable scope so a cancel cannot stop it.
 */
export const orderCheckout = defineWorkflow('order-checkout', async (ctx, order: Order): Promise<Receipt> => {
  const total = order.items.reduce((sum, item) => sum + item.quantity * item.price, 0);
  ctx.upsertSearchAttributes({ customer: order.customer, stage: 'reserving' });
  let reservation: { reservationId: string } | undefined;
  try {
    reservation = await ctx.activity(reserveStock, order);
    ctx.upsertSearchAttributes({ stage: 'awaiting-approval' });
    const approval = await ctx.waitForSignal<{ by: string }>(PAYMENT_APPROVED, {
      timeout: order.approvalTimeout ?? '1m',
    });
    if (!approval) throw new Error(`payment of order ${order.orderId} was not approved in time`);
    ctx.upsertSearchAttributes({ stage: 'charging' });
    const charge = await ctx.activity(chargeCard, {
      orderId: order.orderId,
      card: order.card,
      amount: total,
      flakyCharges: order.flakyCharges ?? 0,
    });
    ctx.upsertSearchAttributes({ stage: 'receipt' });
    await ctx.sleep('1s');
    await ctx.activity(sendReceipt, { orderId: order.orderId, total });
    ctx.upsertSearchAttributes({ stage: 'done' });
    return {
      orderId: order.orderId,
      total,
      chargeId: charge.chargeId,
      approvedBy: approval.by,
      chargeAttempts: charge.attempts,
    };
  } catch (error) {
    const held = reservation?.reservationId;
    if (held !== undefined) {
      // After a cancel, only a non-cancellable scope may still act.
      const release = async (safe: typeof ctx) => {
        await safe.activity(releaseStock, held);
        safe.upsertSearchAttributes({ stage: 'released' });
      };
      if (error instanceof CancelledError) await ctx.nonCancellable(release);
      else await release(ctx);
    }
    throw error;
  }
});

export const workflows = [orderCheckout];
export const activities = [reserveStock, releaseStock, chargeCard, sendReceipt];
export const searchAttributes: SearchAttributeSchema = { customer: 'keyword', stage: 'keyword' };
