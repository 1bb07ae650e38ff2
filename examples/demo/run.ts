import { claimDataDir, serveEngine } from '@reprise/cli';
import { asWorkflowId, type JsonValue, type WorkflowStatus } from '@reprise/core';
import { Engine } from '@reprise/engine';
import { type LmdbStore, openLmdbStore } from '@reprise/store-lmdb';
import { serveUi, type UiServer } from '@reprise/ui';
import { type BatchTally, tallyBatch } from './batch-tally.js';
import { type DemoOrder, makePipeline, PAYMENT } from './pipeline.js';
import { Progress, type ProgressCounts } from './progress.js';
import { startShop } from './shop.js';

/** How the demo runs. */
export interface DemoOptions {
  /** The LMDB directory. */
  readonly dataPath: string;
  /** Orders in a new batch. */
  readonly orders: number;
  /** Aborted on Ctrl-C: the demo stops where it is, and the next run resumes. */
  readonly signal: AbortSignal;
  readonly out: NodeJS.WriteStream;
  /** The web UI's port (0: any free one); `undefined`: no UI. */
  readonly uiPort?: number;
}

const CUSTOMERS = ['ada', 'grace', 'alan', 'edsger', 'barbara', 'ken', 'margaret', 'dennis'];
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const orderId = (batch: number, index: number) => `order-${batch}-${String(index).padStart(2, '0')}`;

/** The orders of a batch: every seventh card is declined, every eighth customer cancels. */
function batchOrders(batch: number, count: number): DemoOrder[] {
  return Array.from({ length: count }, (_, index) => ({
    orderId: orderId(batch, index),
    batch,
    customer: CUSTOMERS[index % CUSTOMERS.length] as string,
    card: index % 7 === 3 ? 'declined' : 'visa',
    amount: 10 + ((index * 37) % 90),
    packages: 1 + (index % 3),
  }));
}
const cancels = (index: number) => index % 8 === 5;

/**
 * The `npm start` demo: an app that embeds the engine on an LMDB directory beside its own
 * supervision tree (the payment gateway), runs a batch of orders with flaky activities, timers,
 * child workflows and signals, shows live progress, and prints a summary. Interrupted, it
 * leaves the unfinished runs in the store; the next run resumes them and says how many.
 */
export async function runDemo(options: DemoOptions): Promise<'done' | 'interrupted'> {
  const { dataPath, out } = options;
  const say = (text: string) => out.write(`${text}\n`);
  const started = Date.now();
  const control = await claimDataDir(dataPath, 'the npm start demo');
  let engine: Engine | undefined;
  let ui: UiServer | undefined;
  const shop = await startShop((workflowId, answer) => {
    engine
      ?.getHandle(workflowId)
      .signal(PAYMENT, answer as unknown as JsonValue)
      .catch(() => undefined); // the order may have closed meanwhile (cancelled)
  });
  try {
    const store = openLmdbStore({ path: dataPath });
    const runningOrders = await store.count({ workflowType: 'order', status: 'Running' });
    const runningShipments = await store.count({ workflowType: 'shipment', status: 'Running' });
    const { workflows, activities } = makePipeline(shop);
    engine = await Engine.create({
      store,
      workflows,
      activities,
      searchAttributes: { batch: 'int', customer: 'keyword' },
      logger: { warn: () => undefined },
    });
    serveEngine(control, engine);
    if (options.uiPort !== undefined) {
      try {
        ui = await serveUi(engine, { port: options.uiPort });
        say(`Web UI: ${ui.urlWithToken}`);
      } catch (error) {
        // Another app on the port: the demo runs without its UI rather than not at all.
        say(`Web UI not started: ${error instanceof Error ? error.message : String(error)}`);
      }
    }

    const latest = (await store.query({ workflowType: 'order', limit: 1 })).items[0];
    const lastBatch = typeof latest?.searchAttributes.batch === 'number' ? latest.searchAttributes.batch : 0;
    const resuming = runningOrders > 0;
    const batch = resuming ? lastBatch : lastBatch + 1;
    if (resuming) {
      say(
        `Resumed ${runningOrders} unfinished order(s) and ${runningShipments} shipment(s) of batch ${batch} from ${dataPath}.`,
      );
    } else {
      say(
        `Batch ${batch}: ${options.orders} orders into ${dataPath} (nothing unfinished to resume). Ctrl-C stops; npm start resumes.`,
      );
    }
    const orders = batchOrders(batch, options.orders);
    const progress = new Progress(out, orders.length);
    const counts = async (): Promise<ProgressCounts & { readonly tally: BatchTally }> => {
      const count = (status: WorkflowStatus, workflowType = 'order') =>
        store.count({ workflowType, status, searchAttributes: { batch } });
      const tally = await tallyBatch(store, batch);
      return {
        total: orders.length,
        running: await count('Running'),
        completed: await count('Completed'),
        failed: await count('Failed'),
        cancelled: await count('Cancelled'),
        shipmentsRunning: await count('Running', 'shipment'),
        retries: tally.retries,
        restarts: shop.restarts(),
        tally,
      };
    };
    const ticker = setInterval(() => {
      void counts().then((current) => progress.update(current, Date.now()));
    }, 250);
    // The counts the last progress line showed; the summary repeats their tally.
    let last: Awaited<ReturnType<typeof counts>> | undefined;
    try {
      // Start the orders not started yet (all of them in a new batch), a few per second.
      for (const [index, order] of orders.entries()) {
        if (options.signal.aborted) break;
        const existing = await store.getSummary(asWorkflowId(order.orderId));
        if (existing) {
          // Resumed: a customer who meant to cancel and had not yet, cancels now.
          if (cancels(index) && existing.status === 'Running') {
            await engine.getHandle(order.orderId).cancel('customer changed their mind');
          }
          continue;
        }
        await engine.start('order', order, {
          workflowId: order.orderId,
          searchAttributes: { batch, customer: order.customer },
        });
        if (cancels(index)) {
          const handle = engine.getHandle(order.orderId);
          setTimeout(() => void handle.cancel('customer changed their mind').catch(() => undefined), 1500);
        }
        await pause(150);
      }
      while (!options.signal.aborted) {
        const current = await counts();
        last = current;
        const finished =
          current.running === 0 && current.completed + current.failed + current.cancelled >= orders.length;
        progress.update(current, Date.now(), finished);
        if (finished) break;
        await pause(200);
      }
    } finally {
      clearInterval(ticker);
      progress.stop();
    }
    if (options.signal.aborted) {
      // The engine stops before the count, so no order closes after it: the next run resumes
      // exactly the orders this line names. (Shutting down closes the store; a reader reopens it.)
      await engine.shutdown();
      const reader = openLmdbStore({ path: dataPath });
      const left = await reader
        .count({ workflowType: 'order', status: 'Running' })
        .finally(() => reader.close());
      say(
        `\nInterrupted: ${left} order(s) still running; their state is in ${dataPath}. Run \`npm start\` again to resume them.`,
      );
      return 'interrupted';
    }
    const tally = last?.tally ?? (await tallyBatch(store, batch));
    await printSummary(store, batch, orders.length, Date.now() - started, shop.restarts(), tally, say);
    if (ui && out.isTTY && !options.signal.aborted) {
      // At a terminal the UI stays up to look around in; a script (or a test) ends here.
      say(`  The web UI stays up at ${ui.url} until Ctrl-C.`);
      await new Promise((resolve) => options.signal.addEventListener('abort', resolve, { once: true }));
    }
    return 'done';
  } finally {
    await ui?.close();
    await control.close();
    await engine?.shutdown();
    await shop.stop();
  }
}

async function printSummary(
  store: LmdbStore,
  batch: number,
  total: number,
  elapsed: number,
  restarts: number,
  tally: BatchTally,
  say: (text: string) => void,
): Promise<void> {
  const count = (status: WorkflowStatus) =>
    store.count({ workflowType: 'order', status, searchAttributes: { batch } });
  const { shipments, retries, timersFired, signalsReceived } = tally;
  say('');
  say(
    `Batch ${batch} finished in ${(elapsed / 1000).toFixed(1)}s: ${total} orders — ${await count('Completed')} completed, ` +
      `${await count('Failed')} failed (card declined), ${await count('Cancelled')} cancelled.`,
  );
  say(
    `  ${shipments} shipments ran as child workflows · ${retries} activity retries · ${timersFired} timers fired · ` +
      `${signalsReceived} payment signals · gateway restarted ${restarts} time(s) by its supervisor (this session).`,
  );
  say(
    `  Look closer: npm run reprise -- list --attr batch=${batch}   ·   npm run reprise -- show ${orderId(batch, 0)}`,
  );
}
