import { createHash } from 'node:crypto';
import { CancelledError, defineActivity, defineWorkflow, type WorkflowContext } from '@reprise/core';
import type { Authorization, Shop } from './shop.js';

/** One order of the demo. */
export interface DemoOrder {
  readonly orderId: string;
  readonly batch: number;
  readonly customer: string;
  readonly card: string;
  readonly amount: number;
  readonly packages: number;
}

/** One package of an order: a child workflow. */
export interface Package {
  readonly orderId: string;
  readonly batch: number;
  readonly index: number;
}

/** The signal carrying the gateway's answer. */
export const PAYMENT = 'payment';

/** The update that adds a gift note to an order. */
export const GIFT_NOTE = 'gift-note';

/** How many attempts of an activity fail, 0 to 2, fixed by its idempotency key (the same on every run). */
const failuresFor = (key: string) => (createHash('sha1').update(key).digest()[0] ?? 0) % 3;

const flaky = (what: string, key: string, attempt: number) => {
  if (attempt <= failuresFor(key)) throw new Error(`${what}: temporarily unavailable`);
};

const retry = { initialInterval: '200ms', backoffCoefficient: 2, maximumAttempts: 5 } as const;

/** The order pipeline's workflows and activities; the gateway activity reaches the app's actors. */
export function makePipeline(shop: Pick<Shop, 'authorize'>) {
  const reserveStock = defineActivity(
    'reserve-stock',
    async (order: DemoOrder, actx) => {
      flaky('warehouse', actx.idempotencyKey, actx.attempt);
      return `res-${order.orderId}`;
    },
    { retry },
  );
  const releaseStock = defineActivity(
    'release-stock',
    async (reservation: string) => `released ${reservation}`,
  );
  const requestAuthorization = defineActivity(
    'request-authorization',
    async (request: { workflowId: string; card: string; attempt: number }) => {
      if (!shop.authorize({ type: 'authorize', ...request }))
        throw new Error('payment gateway is restarting');
      return 'requested';
    },
    { retry },
  );
  const charge = defineActivity(
    'charge',
    async (order: DemoOrder, actx) => {
      flaky('bank', actx.idempotencyKey, actx.attempt);
      return `ch-${order.orderId}`;
    },
    { retry },
  );
  const pack = defineActivity(
    'pack',
    async (item: Package, actx) => {
      flaky('packing station', actx.idempotencyKey, actx.attempt);
      return `${item.orderId}#${item.index}`;
    },
    { retry },
  );
  const handOver = defineActivity('hand-over', async (parcel: string) => `${parcel} with the courier`);
  const sendReceipt = defineActivity(
    'send-receipt',
    async (order: DemoOrder) => `receipt to ${order.customer}`,
  );

  /** A package: pack it (flaky), wait for the courier (a 1–2 s timer), hand it over. */
  const shipment = defineWorkflow('shipment', async (ctx, item: Package) => {
    // Children do not inherit search attributes; the batch is set here so lists can find it.
    ctx.upsertSearchAttributes({ batch: item.batch });
    const parcel = await ctx.activity(pack, item);
    await ctx.sleep(`${1 + (item.index % 2)}s`);
    return ctx.activity(handOver, parcel);
  });

  /** Asks the gateway (an actor of the app) and waits for its answer as a signal; asks again after 2 s of silence. */
  const authorize = async (ctx: WorkflowContext, order: DemoOrder): Promise<Authorization> => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      await ctx.activity(requestAuthorization, { workflowId: ctx.workflowId, card: order.card, attempt });
      const answer = await ctx.waitForSignal<{ approved: boolean; by: string }>(PAYMENT, { timeout: '2s' });
      if (answer) return answer;
    }
    throw new Error('the payment gateway never answered');
  };

  /**
   * An order: reserve stock, get the payment authorized, charge, ship every package as a child
   * workflow, wait a second, send the receipt. Stock is released when the card is declined or
   * the order is cancelled (in a non-cancellable scope).
   */
  const order = defineWorkflow('order', async (ctx, input: DemoOrder) => {
    // A gift note can be added while the order runs (an Update): the validator refuses an empty
    // or long note before anything is recorded; the answer is the note the receipt will carry.
    let giftNote: string | undefined;
    ctx.setUpdateHandler(
      GIFT_NOTE,
      (note: string) => {
        giftNote = note;
        return `note for ${input.orderId}: ${note}`;
      },
      {
        validator: (note) => {
          if (typeof note !== 'string' || note.trim() === '' || note.length > 80)
            throw new Error('a gift note is 1 to 80 characters');
        },
      },
    );
    const reservation = await ctx.activity(reserveStock, input);
    try {
      const authorization = await authorize(ctx, input);
      if (!authorization.approved) throw new Error(`card declined for ${input.orderId}`);
      const chargeId = await ctx.activity(charge, input);
      const parcels = await Promise.all(
        Array.from({ length: input.packages }, (_, index) =>
          ctx.child(
            shipment,
            { orderId: input.orderId, batch: input.batch, index },
            { workflowId: `${input.orderId}/ship-${index}` },
          ),
        ),
      );
      await ctx.sleep('1s');
      await ctx.activity(sendReceipt, input);
      return giftNote === undefined ? { chargeId, parcels } : { chargeId, parcels, giftNote };
    } catch (error) {
      const release = (safe: WorkflowContext) => safe.activity(releaseStock, reservation);
      if (error instanceof CancelledError) await ctx.nonCancellable(release);
      else await release(ctx);
      throw error;
    }
  });

  return {
    workflows: [order, shipment],
    activities: [reserveStock, releaseStock, requestAuthorization, charge, pack, handOver, sendReceipt],
  };
}
