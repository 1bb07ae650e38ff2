/**
 * The physical floor of issue 23, measured beside Reprise in the same run: raw lmdb-js with the
 * store's default durability (fsync at commit, no overlapping sync, no event-turn batches) doing
 * an order run's durable commits and nothing else. An order run (3 activities) needs at least 4
 * commits: its start and each activity result before the next step. So a loop here awaits 4
 * sequential `put`s of a 300-byte value, one key each, no transaction callbacks.
 *
 * Also the store line: concurrent durable appends against raw puts of the same bytes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asRunId, asWorkflowId, envelopeEvents, type WorkflowEvent } from '@reprise/core';
import { openLmdbStore } from '@reprise/store-lmdb';
import { open } from 'lmdb';

/** The value of each of the floor's puts: 300 bytes. */
const VALUE = Buffer.alloc(300, 'x');
/** An order run's minimum of durable commits. */
export const COMMITS_PER_RUN = 4;

function withRawEnv<T>(label: string, fn: (db: ReturnType<typeof open<Buffer, string>>) => Promise<T>) {
  const dir = mkdtempSync(join(tmpdir(), `reprise-floor-${label}-`));
  const db = open<Buffer, string>({
    path: dir,
    encoding: 'binary',
    overlappingSync: false,
    eventTurnBatching: false,
  });
  return fn(db).finally(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

/** `loops` concurrent loops of 4 sequential puts: loops (runs) per second. */
export function floorConcurrent(loops: number): Promise<number> {
  return withRawEnv('concurrent', async (db) => {
    const loop = async (i: number) => {
      for (let k = 0; k < COMMITS_PER_RUN; k++) await db.put(`f/${i}/${k}`, VALUE);
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: loops }, (_, i) => loop(i)));
    return loops / ((performance.now() - started) / 1000);
  });
}

/** One loop of 4 sequential puts, `count` times one after the other: the p50 of a loop, in ms. */
export function floorSequential(count: number): Promise<number> {
  return withRawEnv('sequential', async (db) => {
    const latencies: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      for (let k = 0; k < COMMITS_PER_RUN; k++) await db.put(`s/${i}/${k}`, VALUE);
      latencies.push(performance.now() - started);
    }
    return median(latencies);
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const T0 = 1_700_000_000_000;

/** A typical event: an activity scheduled with a small input. */
export function activityEvent(id: string, seq: number): WorkflowEvent {
  return envelopeEvents(asWorkflowId(id), seq - 1, T0 + seq, [
    {
      type: 'ActivityScheduled',
      activityId: String(seq),
      activityType: 'chargeCard',
      input: { orderId: `order-${id}`, amountCents: 1999, currency: 'EUR', attempt: 1 },
    },
  ])[0] as WorkflowEvent;
}

/** About the bytes the store writes for one such event. */
const EVENT_BYTES = Buffer.from(`00000000${JSON.stringify(activityEvent('w', 2))}`);

/** Raw durable puts: `workflows` at once, `rounds` times; puts per second. */
export function rawPutsConcurrent(workflows: number, rounds: number): Promise<number> {
  return withRawEnv('puts', async (db) => {
    const started = performance.now();
    for (let round = 0; round < rounds; round++) {
      await Promise.all(
        Array.from({ length: workflows }, (_, i) => db.put([`w${i}`, round] as never, EVENT_BYTES)),
      );
    }
    return (workflows * rounds) / ((performance.now() - started) / 1000);
  });
}

/** The store's durable appends of one event to `workflows` workflows at once, `rounds` times. */
export async function storeAppendsConcurrent(workflows: number, rounds: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'reprise-floor-store-'));
  const store = openLmdbStore({ path: dir });
  try {
    const ids = Array.from({ length: workflows }, (_, i) => `w${i}`);
    await Promise.all(
      ids.map((id) =>
        store.append(
          asWorkflowId(id),
          envelopeEvents(asWorkflowId(id), 0, T0, [
            {
              type: 'WorkflowStarted',
              workflowType: 'order',
              input: { id },
              runId: asRunId(`run-${id}`),
              parentRunId: null,
              searchAttributes: {},
            },
          ]),
          { expectedSeq: 0 },
        ),
      ),
    );
    // Built before the clock starts, as the raw puts get their bytes ready-made.
    const batches = Array.from({ length: rounds }, (_, round) =>
      ids.map((id) => [activityEvent(id, round + 2)]),
    );
    const started = performance.now();
    for (let round = 0; round < rounds; round++) {
      const batch = batches[round] as WorkflowEvent[][];
      await Promise.all(
        ids.map((id, i) =>
          store.append(asWorkflowId(id), batch[i] as WorkflowEvent[], { expectedSeq: round + 1 }),
        ),
      );
    }
    return (workflows * rounds) / ((performance.now() - started) / 1000);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
