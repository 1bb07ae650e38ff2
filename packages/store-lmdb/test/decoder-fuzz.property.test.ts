// Fuzz of the store's decoder: whatever bytes a damaged disk leaves in one stored value (an
// event of a history or a workflow's row), every read of the store either answers or fails with
// a typed StoreCorruption naming that value's key; `verify()` reports it and never throws; the
// other workflow reads exactly as written. Never another error, never a crash.
import { afterAll, expect, it } from '@jest/globals';
import {
  asRunId,
  asWorkflowId,
  envelopeEvents,
  type RunBacklog,
  StoreCorruption,
  type WorkflowEvent,
  type WorkflowId,
} from '@reprise/core';
import fc from 'fast-check';
import { type Key, open } from 'lmdb';
import { decodeChunk, encodeChunk, encodeFrame, type PackedEvents, packEvents } from '../src/frame.js';
import { toKeyText } from '../src/key-text.js';
import { type LmdbStore, openLmdbStore } from '../src/lmdb-store.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('decoder-fuzz');
afterAll(() => dirs.removeAll());

const victim = asWorkflowId('victim');
const bystander = asWorkflowId('bystander');

async function seed(store: LmdbStore, id: WorkflowId): Promise<void> {
  await store.append(
    id,
    envelopeEvents(id, 0, 1_000, [
      {
        type: 'WorkflowStarted',
        workflowType: 'order',
        input: { id, items: [1, 2] },
        runId: asRunId(`run-${id}`),
        parentRunId: null,
        searchAttributes: { region: 'eu' },
      },
      { type: 'TimerStarted', timerId: 't1', fireAt: 5_000 },
      { type: 'SignalReceived', signalName: 'go', payload: 'x' },
    ]),
    { expectedSeq: 0 },
  );
  // A step that moves only the run's backlog: its chunk carries the backlog, the record stays.
  await store.append(
    id,
    envelopeEvents(id, 3, 2_000, [
      { type: 'ActivityScheduled', activityId: '1', activityType: 'charge', input: null },
    ]),
    { expectedSeq: 3 },
  );
}

/**
 * Where in the victim the damage goes: its history (a chunk of 3 events, then one of 1 that
 * carries the run's backlog), or its workflow record (`[tid, 0]`).
 */
type Target = { readonly db: 'history'; readonly key: [string, number] };

const targets: fc.Arbitrary<Target> = fc.oneof(
  fc.constant<Target>({ db: 'history', key: [toKeyText(victim), 1] }),
  fc.constant<Target>({ db: 'history', key: [toKeyText(victim), 4] }),
  // The record, in format 7 the history's first key.
  fc.constant<Target>({ db: 'history', key: [toKeyText(victim), 0] }),
);

/**
 * A frame's body as JSON: a chunk's (`lastSeq[events]` or `lastSeq{backlog}\n[events]`, or its
 * events packed after the same header) is its events, with its header apart.
 */
function bodyOf(original: Buffer): {
  header: string;
  json: unknown;
  chunk?: { lastSeq: number; backlog: RunBacklog | undefined };
} {
  // A record's body is a JSON object; a chunk's starts with its last seq.
  if (original[8] === 0x7b) return { header: '', json: JSON.parse(original.subarray(8).toString('utf8')) };
  const { lastSeq, backlog, events } = decodeChunk(original, 1, () => 'chunk');
  const header = `${lastSeq}${backlog === undefined ? '' : `${JSON.stringify(backlog)}\n`}`;
  const json = typeof events === 'string' ? JSON.parse(`[${events}]`) : events;
  return { header, json, chunk: { lastSeq, backlog } };
}

/** A JSON value with the prototype-bending keys a hostile writer would try among the others. */
const jsonish = fc.jsonValue({ maxDepth: 3 });

/** How the stored bytes are damaged, given the original ones. */
const damages: fc.Arbitrary<(original: Buffer) => Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((bytes) => () => Buffer.from(bytes)),
  fc
    .array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 })
    .map((flips) => (original: Buffer) => {
      const copy = Buffer.from(original);
      for (const [at, mask] of flips) copy[at % copy.length] = (copy[at % copy.length] as number) ^ mask;
      return copy;
    }),
  fc.nat().map((cut) => (original: Buffer) => original.subarray(0, cut % original.length)),
  // A frame whose checksum holds around a value of the wrong shape: only the decoder's checks stand.
  jsonish.map((value) => () => Buffer.from(encodeFrame(JSON.stringify(value)))),
  fc
    .tuple(
      fc.nat(),
      fc.constantFrom(
        'summary',
        'timers',
        'seq',
        'workflowId',
        'type',
        'status',
        'createdAt',
        'searchAttributes',
        'head',
        '__proto__',
      ),
      jsonish,
      fc.boolean(),
    )
    .map(([which, field, value, packed]) => (original: Buffer) => {
      const { header, json, chunk } = bodyOf(original);
      // In a chunk, one of its events; in a record, the record or its summary.
      const body = (Array.isArray(json) ? json[which % json.length] : json) as Record<string, unknown>;
      const target = field in body || !('summary' in body) ? body : (body.summary as Record<string, unknown>);
      Object.defineProperty(target, field, { value, enumerable: true, writable: true, configurable: true });
      // A chunk's events written back as JSON text or packed: hostile content in either form.
      const events = chunk && packed ? packEvents(json as WorkflowEvent[]) : undefined;
      if (chunk && events)
        return Buffer.from(encodeChunk(chunk.lastSeq, events as PackedEvents, chunk.backlog));
      return Buffer.from(encodeFrame(header + JSON.stringify(json)));
    }),
  // A chunk whose checksum holds around another header (its last seq, its backlog) or none.
  fc
    .oneof(
      fc.integer({ min: -5, max: 10 }).map(String),
      fc.string({ maxLength: 4 }),
      fc
        .tuple(fc.integer({ min: 0, max: 5 }), jsonish, fc.constantFrom('\n', ''))
        .map(([seq, backlog, end]) => `${seq}${JSON.stringify(backlog)}${end}`),
      fc
        .record({ activities: fc.integer({ min: -1, max: 3 }), children: fc.nat(2), signals: fc.nat(2) })
        .map((backlog) => `4${JSON.stringify(backlog)}\n`),
    )
    .map((header) => (original: Buffer) => {
      const { json } = bodyOf(original);
      return Buffer.from(encodeFrame(header + JSON.stringify(json)));
    }),
);

/** Runs a read; a failure must be StoreCorruption. Returns whether it answered. */
async function typed(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (error) {
    if (!(error instanceof StoreCorruption)) throw error;
    return false;
  }
}

it('every read of a store with one damaged value answers or throws StoreCorruption', async () => {
  const path = dirs.make();
  const store = openLmdbStore({ path, noSync: true });
  await seed(store, victim);
  await seed(store, bystander);
  const bystanderHistory = await store.readHistory(bystander);
  await store.close();

  await fc.assert(
    fc.asyncProperty(targets, damages, async (target, damage) => {
      const raw = open({ path });
      const db = raw.openDB<Buffer, Key>(target.db, { encoding: 'binary' });
      const original = db.get(target.key) as Buffer;
      expect(original).toBeDefined();
      await db.put(target.key, damage(original));
      await raw.close();
      try {
        const reopened = openLmdbStore({ path, noSync: true });
        try {
          const answered = [
            await typed(() => reopened.readHistory(victim)),
            await typed(() => reopened.readHistory(victim, { fromSeq: 2 })),
            await typed(() => reopened.getSummary(victim)),
            await typed(() => reopened.lastSeq(victim)),
          ];
          for (const filter of [
            {},
            { status: 'Running' as const },
            { workflowType: 'order' },
            { searchAttributes: { region: 'eu' } },
          ]) {
            answered.push(await typed(() => reopened.query(filter)));
            answered.push(await typed(() => reopened.count(filter)));
          }
          answered.push(
            await typed(async () => {
              for await (const id of reopened.listActive()) expect(typeof id).toBe('string');
            }),
          );
          answered.push(await typed(() => reopened.dueTimers(10_000)));
          // Whatever a read refused, the walk over every record names too.
          const report = await reopened.verify();
          if (answered.includes(false)) expect(report.problems.join('\n')).toContain('victim');
          // The other workflow reads exactly as written.
          expect(await reopened.readHistory(bystander)).toEqual(bystanderHistory);
          expect((await reopened.getSummary(bystander))?.status).toBe('Running');
        } finally {
          await reopened.close();
        }
      } finally {
        const repair = open({ path });
        await repair.openDB<Buffer, Key>(target.db, { encoding: 'binary' }).put(target.key, original);
        await repair.close();
      }
    }),
    { numRuns: 150 },
  );
});
