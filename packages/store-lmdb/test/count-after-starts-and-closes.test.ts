// count() is exact, counted from the index keys alone, after many starts, closes, restarts and
// attribute changes issued together, on known last seqs and (after a reopen) on unknown ones.
import { afterAll, expect, it } from '@jest/globals';
import {
  asRunId,
  asWorkflowId,
  type EventBody,
  envelopeEvents,
  projectHistory,
  type VisibilityFilter,
  WORKFLOW_STATUSES,
  type WorkflowEvent,
  type WorkflowId,
  type WorkflowSummary,
} from '@reprise/core';
import { matchesFilter, normalizeFilter } from '@reprise/core/internal';
import { type LmdbStore, openLmdbStore } from '../src/index.js';
import { random } from './fixtures/random.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('count');
afterAll(() => dirs.removeAll());

const T0 = 1_700_000_000_000;
const TYPES = ['order', 'invoice', 'ship'];
const CUSTOMERS = ['ada', 'bob', 'cy'];

const filters: VisibilityFilter[] = [
  {},
  ...WORKFLOW_STATUSES.map((status) => ({ status })),
  ...TYPES.map((workflowType) => ({ workflowType })),
  ...WORKFLOW_STATUSES.flatMap((status) => TYPES.map((workflowType) => ({ status, workflowType }))),
  { status: ['Running', 'Failed'] },
  { workflowType: ['order', 'ship'] },
  { status: ['Completed', 'Cancelled'], workflowType: ['invoice', 'ship'] },
  ...CUSTOMERS.map((customer) => ({ searchAttributes: { customer } })),
  { status: 'Running', searchAttributes: { customer: { in: ['ada', 'bob'] } } },
  { searchAttributes: { round: { gte: 3 } } },
  { closedAfter: T0 + 2_000 },
];

it('counts exactly what the rows say after many starts and closes', async () => {
  const path = dirs.make();
  const next = random(20_240_601);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const ids = Array.from({ length: 150 }, (_, index) => asWorkflowId(`count-${index}`));
  const histories = new Map<WorkflowId, WorkflowEvent[]>(ids.map((id) => [id, []]));
  let store: LmdbStore = openLmdbStore({ path, noSync: true });

  const bodiesFor = (id: WorkflowId, round: number): EventBody[] => {
    const history = histories.get(id) as WorkflowEvent[];
    const summary = projectHistory(history).summary;
    if (summary?.status !== 'Running') {
      if (summary && next() < 0.3) return [];
      return [
        {
          type: 'WorkflowStarted',
          workflowType: pick(TYPES),
          input: round,
          runId: asRunId(`r${history.length}`),
          parentRunId: null,
          searchAttributes: { customer: pick(CUSTOMERS), round },
        },
      ];
    }
    const choice = next();
    if (choice < 0.2) return [{ type: 'SignalReceived', signalName: 's', payload: round }];
    if (choice < 0.35) {
      return [
        { type: 'SearchAttributesUpdated', searchAttributes: { customer: pick([...CUSTOMERS, null]) } },
      ];
    }
    return [
      pick<EventBody>([
        { type: 'WorkflowCompleted', result: round },
        { type: 'WorkflowFailed', error: { name: 'Error', message: 'boom' } },
        { type: 'WorkflowCancelled', reason: null },
        { type: 'WorkflowContinuedAsNew', input: round, parentRunId: summary.runId },
        { type: 'WorkflowTimedOut', timeout: { kind: 'execution', afterMs: 1 } },
      ]),
    ];
  };

  const expectExactCounts = async () => {
    const rows = ids
      .map((id) => projectHistory(histories.get(id) as WorkflowEvent[]).summary)
      .filter((row): row is WorkflowSummary => row !== undefined);
    for (const filter of filters) {
      const expected = rows.filter((row) => matchesFilter(row, normalizeFilter(filter))).length;
      expect({ filter, count: await store.count(filter) }).toEqual({ filter, count: expected });
    }
  };

  for (let round = 0; round < 8; round++) {
    if (round === 4) {
      // Nothing known after a reopen: the next append of each workflow is checked in a transaction.
      await store.close();
      store = openLmdbStore({ path, noSync: true });
    }
    await Promise.all(
      ids.map(async (id) => {
        const bodies = bodiesFor(id, round);
        if (bodies.length === 0) return;
        const history = histories.get(id) as WorkflowEvent[];
        const events = envelopeEvents(id, history.length, T0 + round * 1_000 + history.length, bodies);
        await store.append(id, events, { expectedSeq: history.length });
        history.push(...events);
      }),
    );
    await expectExactCounts();
  }
  expect((await store.verify()).problems).toEqual([]);
  await store.close();
});
