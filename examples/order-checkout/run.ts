import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActivityFailure, WorkflowFailedError } from '@reprise/core';
import { Engine } from '@reprise/engine';
import { openLmdbStore } from '@reprise/store-lmdb';
import {
  activities,
  type Order,
  orderCheckout,
  PAYMENT_APPROVED,
  searchAttributes,
  workflows,
} from './workflows.js';

/** How each of the example's orders ended. */
export interface CheckoutOutcome {
  readonly orderId: string;
  readonly status: string;
  readonly detail: string;
}

const order = (orderId: string, customer: string, extra: Partial<Order> = {}): Order => ({
  orderId,
  customer,
  items: [
    { sku: 'tea', quantity: 2, price: 4.5 },
    { sku: 'cup', quantity: 1, price: 12 },
  ],
  card: 'visa',
  ...extra,
});

/**
 * Runs three checkouts on an LMDB store: one whose charge fails twice and is retried, one whose
 * card is declined (stock released, the workflow fails), one cancelled while it waits for
 * payment approval (stock released in a non-cancellable scope).
 */
export async function runOrderCheckout(
  log: (line: string) => void = console.log,
): Promise<CheckoutOutcome[]> {
  const dir = mkdtempSync(join(tmpdir(), 'reprise-order-checkout-'));
  const engine = await Engine.create({
    store: openLmdbStore({ path: dir }),
    workflows,
    activities,
    searchAttributes,
  });
  try {
    const happy = await engine.start(orderCheckout, order('A-1', 'ada', { flakyCharges: 2 }), {
      workflowId: 'A-1',
    });
    const declined = await engine.start(orderCheckout, order('B-2', 'bob', { card: 'declined' }), {
      workflowId: 'B-2',
    });
    const cancelled = await engine.start(orderCheckout, order('C-3', 'cyd'), { workflowId: 'C-3' });

    // The payment approver is part of the app: it approves two orders by signal.
    await happy.signal(PAYMENT_APPROVED, { by: 'approver' });
    await declined.signal(PAYMENT_APPROVED, { by: 'approver' });
    // The customer cancels C-3 once it waits for approval (its stock is held by then).
    while ((await cancelled.describe()).searchAttributes.stage !== 'awaiting-approval') {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await cancelled.cancel('customer changed their mind');

    const outcomes: CheckoutOutcome[] = [];
    for (const handle of [happy, declined, cancelled]) {
      try {
        const receipt = await handle.result();
        outcomes.push({
          orderId: handle.workflowId,
          status: 'Completed',
          detail: `charged ${receipt.total} after ${receipt.chargeAttempts} attempts`,
        });
      } catch (error) {
        const failure = error as WorkflowFailedError | ActivityFailure;
        outcomes.push({
          orderId: handle.workflowId,
          status: (await handle.describe()).status,
          detail: failure.message,
        });
      }
    }
    for (const outcome of outcomes) log(`${outcome.orderId}  ${outcome.status.padEnd(9)}  ${outcome.detail}`);
    const released = await engine.list({ searchAttributes: { stage: 'released' } });
    log(
      `stock released for: ${released.items
        .map((item) => item.workflowId)
        .sort()
        .join(', ')}`,
    );
    return outcomes;
  } finally {
    await engine.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}
