// npm run bench:store — the LMDB store beside raw lmdb-js writes of the same bytes, in one run.
// Durable figures use the store's own commit mode (fsync at commit, no overlapping sync); the
// raw puts use the same environment options, so the ratio is the cost of the store itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  asRunId,
  asWorkflowId,
  type EventBody,
  envelopeEvents,
  type VisibilityFilter,
  type WorkflowEvent,
} from '@reprise/core';
import { openLmdbStore } from '@reprise/store-lmdb';
import { open } from 'lmdb';

const root = mkdtempSync(join(tmpdir(), 'reprise-bench-store-'));
/** A fresh directory under the bench's root for each use of a name. */
const used = new Map<string, number>();
const dir = (name: string) => {
  const uses = (used.get(name) ?? 0) + 1;
  used.set(name, uses);
  return join(root, uses === 1 ? name : `${name}-${uses}`);
};
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const rate = (count: number, ms: number) => Math.round((count / ms) * 1000);
const fmt = (n: number) => n.toLocaleString('en-US');
const T0 = 1_700_000_000_000;

/** A typical event: an activity scheduled with a small input. */
function activity(id: string, seq: number): WorkflowEvent {
  return envelopeEvents(asWorkflowId(id), seq - 1, T0 + seq, [
    {
      type: 'ActivityScheduled',
      activityId: String(seq),
      activityType: 'chargeCard',
      input: { orderId: `order-${id}`, amountCents: 1999, currency: 'EUR', attempt: 1 },
    },
  ])[0] as WorkflowEvent;
}
const started = (id: string, type = 'order', attributes = {}): EventBody => ({
  type: 'WorkflowStarted',
  workflowType: type,
  input: { id },
  runId: asRunId(`run-${id}`),
  parentRunId: null,
  searchAttributes: attributes,
});
/** The bytes the store writes for one event (8 hex digits of CRC-32, then its JSON). */
const eventBytes = Buffer.from(`00000000${JSON.stringify(activity('w', 2))}`);

function rawEnv(name: string) {
  return open<Buffer, never>({
    path: dir(name),
    encoding: 'binary',
    overlappingSync: false,
    eventTurnBatching: false,
    maxDbs: 4,
  });
}

async function rawSequential(count: number): Promise<number> {
  const env = rawEnv('raw-seq');
  const start = performance.now();
  for (let i = 0; i < count; i++) await env.put(['w', i] as never, eventBytes);
  const ms = performance.now() - start;
  await env.close();
  return rate(count, ms);
}

async function rawConcurrent(workflows: number, rounds: number): Promise<number> {
  const env = rawEnv('raw-concurrent');
  const start = performance.now();
  for (let round = 0; round < rounds; round++) {
    await Promise.all(
      Array.from({ length: workflows }, (_, i) => env.put([`w${i}`, round] as never, eventBytes)),
    );
  }
  const ms = performance.now() - start;
  await env.close();
  return rate(workflows * rounds, ms);
}

async function storeSequential(count: number): Promise<number> {
  const store = openLmdbStore({ path: dir('seq') });
  const id = asWorkflowId('seq');
  await store.append(id, envelopeEvents(id, 0, T0, [started('seq')]), { expectedSeq: 0 });
  const events = Array.from({ length: count }, (_, i) => activity('seq', i + 2));
  const start = performance.now();
  for (const [i, event] of events.entries()) await store.append(id, [event], { expectedSeq: i + 1 });
  const ms = performance.now() - start;
  await store.close();
  return rate(count, ms);
}

async function storeConcurrent(workflows: number, rounds: number): Promise<number> {
  const store = openLmdbStore({ path: dir('concurrent') });
  const ids = Array.from({ length: workflows }, (_, i) => `w${i}`);
  await Promise.all(
    ids.map((id) =>
      store.append(asWorkflowId(id), envelopeEvents(asWorkflowId(id), 0, T0, [started(id)]), {
        expectedSeq: 0,
      }),
    ),
  );
  // Built before the clock starts, as the raw puts get their bytes ready-made.
  const batches = Array.from({ length: rounds }, (_, round) => ids.map((id) => [activity(id, round + 2)]));
  const start = performance.now();
  for (let round = 0; round < rounds; round++) {
    const batch = batches[round] as WorkflowEvent[][];
    await Promise.all(
      ids.map((id, i) =>
        store.append(asWorkflowId(id), batch[i] as WorkflowEvent[], { expectedSeq: round + 1 }),
      ),
    );
  }
  const ms = performance.now() - start;
  await store.close();
  return rate(workflows * rounds, ms);
}

async function historyReads(histories: number, length: number): Promise<{ store: number; raw: number }> {
  const path = dir('reads');
  const store = openLmdbStore({ path, noSync: true });
  for (let from = 0; from < histories; from += 1000) {
    await Promise.all(
      Array.from({ length: Math.min(1000, histories - from) }, (_, k) => {
        const id = `h${from + k}`;
        const events = [
          envelopeEvents(asWorkflowId(id), 0, T0, [started(id)])[0] as WorkflowEvent,
          ...Array.from({ length: length - 1 }, (_, i) => activity(id, i + 2)),
        ];
        return store.append(asWorkflowId(id), events, { expectedSeq: 0 });
      }),
    );
  }
  // As for queries: one untimed warm-up round, then the median of three timed ones (the rate of
  // single rounds moved by a third with collection timing).
  const storeRound = async () => {
    let events = 0;
    const start = performance.now();
    for (let i = 0; i < histories; i++) events += (await store.readHistory(asWorkflowId(`h${i}`))).length;
    return rate(events, performance.now() - start);
  };
  const storeRate = await timedRounds(storeRound);
  await store.close();
  // Raw: the same keys and values through lmdb-js (strings, as the store reads them), not decoded.
  const raw = open<string, never>({ path, maxDbs: 32 });
  const history = raw.openDB<string, never>('history', { encoding: 'string' });
  let bytes = 0;
  const rawRound = async () => {
    let events = 0;
    const start = performance.now();
    for (let i = 0; i < histories; i++) {
      // Format 5 keeps a history as chunks (here one per history, its 100 events appended at
      // once): the events read are the history's, whatever the number of values.
      for (const { value } of history.getRange({
        start: [`h${i}`, 1] as never,
        end: [`h${i}`, Infinity] as never,
      })) {
        bytes += value.length;
      }
      events += length;
    }
    return rate(events, performance.now() - start);
  };
  const rawRate = await timedRounds(rawRound);
  await raw.close();
  return { store: storeRate, raw: bytes > 0 ? rawRate : 0 };
}

const CONCURRENT_PAIRS = 9;

/** One untimed warm-up round, then the median rate of three. */
async function timedRounds(round: () => Promise<number>): Promise<number> {
  gc();
  await round();
  const rates: number[] = [];
  for (let i = 0; i < 3; i++) {
    gc();
    rates.push(await round());
  }
  return median(rates);
}

function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
}

async function visibility(
  rows: number,
): Promise<Record<string, { p50: number; p99: number; items: number }>> {
  const store = openLmdbStore({ path: dir('visibility'), noSync: true });
  const types = Array.from({ length: 10 }, (_, i) => `type${i}`);
  for (let from = 0; from < rows; from += 2000) {
    await Promise.all(
      Array.from({ length: Math.min(2000, rows - from) }, (_, k) => {
        const n = from + k;
        const id = `v${n}`;
        const bodies: EventBody[] = [
          started(id, types[n % 10], {
            customer: `c${n % 500}`,
            region: ['eu', 'us', 'ap'][n % 3] as string,
            amount: n % 1000,
          }),
        ];
        if (n % 4 === 0) bodies.push({ type: 'WorkflowCompleted', result: null });
        if (n % 4 === 1) bodies.push({ type: 'WorkflowFailed', error: { name: 'E', message: 'x' } });
        return store.append(
          asWorkflowId(id),
          envelopeEvents(asWorkflowId(id), 0, T0 + Math.floor(n / 7), bodies),
          {
            expectedSeq: 0,
          },
        );
      }),
    );
  }
  gc();
  const measure = async (filters: VisibilityFilter[]) => {
    const times: number[] = [];
    let items = 0;
    // Round 0 is not timed: it warms the JIT and the page cache for this kind of query.
    for (let round = 0; round <= 3; round++) {
      for (const filter of filters) {
        if (round === 0) {
          const first = await store.query({ ...filter, limit: 100 });
          if (first.cursor) await store.query({ ...filter, limit: 100, cursor: first.cursor });
          continue;
        }
        const start = performance.now();
        let page = await store.query({ ...filter, limit: 100 });
        times.push(performance.now() - start);
        items += page.items.length;
        // And the next page, through the cursor.
        if (page.cursor) {
          const next = performance.now();
          page = await store.query({ ...filter, limit: 100, cursor: page.cursor });
          times.push(performance.now() - next);
          items += page.items.length;
        }
      }
    }
    times.sort((a, b) => a - b);
    return {
      p50: percentile(times, 0.5),
      p99: percentile(times, 0.99),
      items: Math.round(items / times.length),
    };
  };
  const statusType = types.flatMap((type) =>
    (['Running', 'Completed', 'Failed'] as const).map((status) => ({ status, workflowType: type })),
  );
  const attribute = Array.from({ length: 60 }, (_, i) => ({
    searchAttributes: { customer: `c${(i * 37) % 500}` },
  }));
  const result: Record<string, { p50: number; p99: number; items: number }> = {
    'status + type': await measure(statusType),
    'search attribute': await measure(attribute),
    'status + attribute range': await measure(
      Array.from({ length: 30 }, (_, i) => ({
        status: 'Running' as const,
        searchAttributes: { amount: { gte: i * 30, lt: i * 30 + 5 } },
      })),
    ),
  };
  // Added with format 7 (status alone and type alone are merged from the status + type ranges):
  // measured after the lines above.
  result.status = await measure([{ status: 'Running' }, { status: 'Completed' }, { status: 'Failed' }]);
  result.type = await measure(types.map((workflowType) => ({ workflowType })));
  // Added with format 4 (counts from the index keys): measured after the lines above.
  const countTimes = async (name: string, filters: VisibilityFilter[]) => {
    const times: number[] = [];
    let total = 0;
    for (let round = 0; round < 5; round++) {
      for (const filter of filters) {
        const start = performance.now();
        total += await store.count(filter);
        times.push(performance.now() - start);
      }
    }
    times.sort((a, b) => a - b);
    result[name] = {
      p50: percentile(times, 0.5),
      p99: percentile(times, 0.99),
      items: Math.round(total / times.length),
    };
  };
  await countTimes('count, all rows', [{}]);
  await countTimes('count, status', [{ status: 'Running' }, { status: 'Completed' }, { status: 'Failed' }]);
  await countTimes('count, status + type', statusType);
  await countTimes(
    'count, type',
    types.map((workflowType) => ({ workflowType })),
  );
  await store.close();
  return result;
}

/** Sequential lifecycles: p50 of a start, an ordinary append and a close, beside a raw put. */
async function lifecycles(count: number): Promise<Record<string, number>> {
  const store = openLmdbStore({ path: dir('lifecycles') });
  const env = rawEnv('raw-lifecycles');
  const times: Record<string, number[]> = { start: [], activity: [], close: [], 'raw put': [] };
  const timed = async (name: string, write: () => Promise<unknown>) => {
    const start = performance.now();
    await write();
    times[name]?.push(performance.now() - start);
  };
  for (let i = 0; i < count; i++) {
    const id = asWorkflowId(`life${i}`);
    const [first, second, third] = [
      envelopeEvents(id, 0, T0, [started(`life${i}`, 'order', { customer: `c${i % 50}` })]),
      [activity(`life${i}`, 2)],
      envelopeEvents(id, 2, T0 + 3, [{ type: 'WorkflowCompleted', result: null }]),
    ];
    await timed('start', () => store.append(id, first, { expectedSeq: 0 }));
    await timed('activity', () => store.append(id, second, { expectedSeq: 1 }));
    await timed('close', () => store.append(id, third, { expectedSeq: 2 }));
    await timed('raw put', () => env.put([`life${i}`, 1] as never, eventBytes));
  }
  await store.close();
  await env.close();
  return Object.fromEntries(
    Object.entries(times).map(([name, values]) => [
      name,
      percentile(
        [...values].sort((a, b) => a - b),
        0.5,
      ),
    ]),
  );
}

async function main(): Promise<void> {
  const began = performance.now();
  console.log('# @reprise/store-lmdb benchmark');
  console.log(`node ${process.version}, ${process.platform}/${process.arch}, data under ${tmpdir()}\n`);

  const rawSeq = await rawSequential(500);
  const seq = await storeSequential(500);
  console.log('## durable appends (fsync at commit)');
  console.log(
    `sequential, 1 event each:   store ${fmt(seq)}/s   raw puts ${fmt(rawSeq)}/s   ratio ${(seq / rawSeq).toFixed(2)}`,
  );
  // The machine's speed drifts within seconds: raw and store take turns, nine times each, and
  // the medians are compared.
  const rawRates: number[] = [];
  const storeRates: number[] = [];
  for (let pair = 0; pair < CONCURRENT_PAIRS; pair++) {
    rawRates.push(await rawConcurrent(1000, 10));
    storeRates.push(await storeConcurrent(1000, 10));
  }
  const rawConc = median(rawRates);
  const conc = median(storeRates);
  const pairRatios = storeRates.map((rate, i) => rate / (rawRates[i] as number)).sort((a, b) => a - b);
  console.log(
    `concurrent, 1,000 workflows: store ${fmt(conc)}/s   raw puts ${fmt(rawConc)}/s   ratio ${(conc / rawConc).toFixed(2)}   (target ≥ 0.50; ` +
      `medians of ${CONCURRENT_PAIRS} alternating runs of 10,000 each, ratio per pair ${(pairRatios[0] as number).toFixed(2)} to ${(pairRatios[pairRatios.length - 1] as number).toFixed(2)})`,
  );

  gc();
  const reads = await historyReads(10_000, 100);
  console.log(
    '\n## history reads (10,000 histories of 100 events; median of 3 rounds after a warm-up round)',
  );
  console.log(
    `store ${fmt(reads.store)} events/s (target ≥ 400,000)   raw getRange of the same values, not decoded ${fmt(reads.raw)}/s   ratio ${(reads.store / reads.raw).toFixed(2)}`,
  );

  gc();
  const queries = await visibility(100_000);
  console.log(
    '\n## visibility queries over 100,000 workflows (page of 100, first and next page; each kind after one untimed warm-up round)',
  );
  for (const [name, { p50, p99, items }] of Object.entries(queries)) {
    if (name.startsWith('count')) {
      console.log(
        `${name.padEnd(26)} p50 ${p50.toFixed(2)} ms   p99 ${p99.toFixed(2)} ms   (about ${fmt(items)} rows counted, exact)`,
      );
      continue;
    }
    // The targets are the status + type and the search-attribute pages.
    const target = name === 'status + type' || name === 'search attribute' ? '; target p99 < 5 ms' : '';
    console.log(
      `${name.padEnd(26)} p50 ${p50.toFixed(2)} ms   p99 ${p99.toFixed(2)} ms   (${items} rows/page${target})`,
    );
  }

  const life = await lifecycles(300);
  console.log('\n## sequential lifecycles, durable (p50 per append; raw: one put of an event)');
  console.log(
    Object.entries(life)
      .map(([name, ms]) => `${name} ${ms.toFixed(3)} ms`)
      .join('   '),
  );
  console.log(`\nran in ${((performance.now() - began) / 1000).toFixed(1)} s`);
}

try {
  await main();
} finally {
  rmSync(root, { recursive: true, force: true });
}
