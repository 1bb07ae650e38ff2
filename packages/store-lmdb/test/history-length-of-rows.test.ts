// Summaries and query rows give historyLength from the record's head (one key lookup, when no
// chunk starts after it) or the last chunk's header: it must be the last seq for every length,
// appended in batches after the record was written or closed by the last append, and agree with
// the last seq the writes read.
import { afterAll, expect, it } from '@jest/globals';
import { asWorkflowId, type EventBody } from '@reprise/core';
import fc from 'fast-check';
import { openLmdbStore } from '../src/index.js';
import { appendOnLastSeq, started } from './fixtures/last-seq-appends.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('history-length');
afterAll(() => dirs.removeAll());

const signal = (n: number): EventBody => ({ type: 'SignalReceived', signalName: 's', payload: n });

it('summaries and query rows report the history length, whatever it is', async () => {
  const store = openLmdbStore({ path: dirs.make(), noSync: true });
  try {
    const edges = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129];
    const lengths = [...edges, ...fc.sample(fc.integer({ min: 1, max: 600 }), { numRuns: 10, seed: 7 })];
    for (const [i, length] of lengths.entries()) {
      const id = asWorkflowId(`len-${i}`);
      await appendOnLastSeq(store, id, [started()], 1000);
      // Batches of up to 50 events, as a run's steps would append them.
      for (let seq = 1; seq < length; seq += 50) {
        const batch = Array.from({ length: Math.min(50, length - seq) }, (_, k) => signal(seq + k));
        await appendOnLastSeq(store, id, batch, 1000 + seq);
      }
      expect({ length, summary: (await store.getSummary(id))?.historyLength }).toEqual({
        length,
        summary: length,
      });
      expect(await store.lastSeq(id)).toBe(length);
      // Every third is closed: its record, written by the close, knows the last seq itself.
      if (i % 3 === 0) {
        await appendOnLastSeq(store, id, [{ type: 'WorkflowCompleted', result: null }], 5000);
        lengths[i] = length + 1;
        expect((await store.getSummary(id))?.historyLength).toBe(length + 1);
      }
    }
    const rows = [];
    let cursor: string | undefined;
    do {
      const page = await store.query({ workflowType: 'order', limit: 7, ...(cursor ? { cursor } : {}) });
      rows.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    expect(rows).toHaveLength(lengths.length);
    for (const row of rows) {
      expect(row.historyLength).toBe(lengths[Number(row.workflowId.slice('len-'.length))]);
    }
  } finally {
    await store.close();
  }
});
