// replayHistories reports the run that a flag flip breaks (reordered activities) with its position; histories from the recorded-flag twin keep replaying.
import { readFileSync } from 'node:fs';
import { NonDeterminismError, type WorkflowEvent } from '@reprise/core';
import {
  createTestEngine,
  type ExportedHistory,
  exportHistory,
  type HistoryReplayFailure,
  replayHistories,
} from '@reprise/testkit';
import { charge, flaggedOrder, flags, readFlags, recordedFlagOrder, ship } from './order-workflows.js';

/** Runs two orders with the flag off: one finishes, one is left waiting on its day-long sleep. */
async function recordOrders(workflow: typeof flaggedOrder): Promise<ExportedHistory[]> {
  flags.shipBeforeCharge = false;
  const env = await createTestEngine({ workflows: [workflow], activities: [charge, ship, readFlags] });
  await env.engine.start(workflow, { id: 'A1', amount: 120 }, { workflowId: 'order-A1' });
  await env.advance('2d');
  await env.engine.start(workflow, { id: 'B2', amount: 80 }, { workflowId: 'order-B2' });
  await env.advance('1h');
  const exported = [
    await exportHistory(env.engine.store, 'order-A1'),
    await exportHistory(env.engine.store, 'order-B2'),
  ];
  await env.close();
  // What CI reads back: the histories as JSON files.
  return JSON.parse(JSON.stringify(exported)) as ExportedHistory[];
}

afterEach(() => {
  flags.shipBeforeCharge = false;
});

describe('a workflow that reorders its activities behind a flag', () => {
  it('replays while the flag is unchanged', async () => {
    const histories = await recordOrders(flaggedOrder);
    const report = await replayHistories([flaggedOrder], histories);
    expect(report.ok).toBe(true);
    expect(report.results).toEqual([
      { workflowId: 'order-A1', ok: true, runs: 1 },
      { workflowId: 'order-B2', ok: true, runs: 1 },
    ]);
  });

  it('is reported for every history once the flag flips, with the NonDeterminismError and its position', async () => {
    const histories = await recordOrders(flaggedOrder);
    flags.shipBeforeCharge = true;
    const report = await replayHistories([flaggedOrder], histories);
    expect(report.ok).toBe(false);
    for (const result of report.results as HistoryReplayFailure[]) {
      expect(result.ok).toBe(false);
      expect(result.error).toBeInstanceOf(NonDeterminismError);
      expect((result.error as NonDeterminismError).position).toBe(0);
      expect(result.seq).toBe(2);
      expect(result.report).toMatch(
        /diverged at #2: recorded ActivityScheduled charge \(activity run1\.1\), code asked for ActivityScheduled ship \(activity run1\.1\)/,
      );
      expect(result.report).toMatch(/>> #2 +\+0ms +ActivityScheduled charge \(activity run1\.1\) input \d+/);
    }
    expect(report.summary).toContain('replayed 2 histories against the current code: 0 ok, 2 failed');
    expect(report.summary).toContain('DIVERGED order-A1 at #2');
  });
});

describe('its twin, which reads the flag through an activity', () => {
  it('replays histories recorded before the flip, and so do the fixtures kept from then', async () => {
    const histories = await recordOrders(recordedFlagOrder);
    flags.shipBeforeCharge = true;
    const fixtures = JSON.parse(
      readFileSync(new URL('./histories/orders-before-flag.json', `file://${__filename}`), 'utf8'),
    ) as ExportedHistory[];
    const report = await replayHistories([recordedFlagOrder], [...histories, ...fixtures]);
    expect(report.summary).toContain('4 ok, 0 failed');
    expect(report.ok).toBe(true);
  });
});

describe('histories that cannot be replayed at all', () => {
  it('are failed results, not exceptions: malformed, unknown type, bare event arrays accepted', async () => {
    const [history] = await recordOrders(recordedFlagOrder);
    const events = (history as ExportedHistory).events;
    const broken = {
      ...(history as ExportedHistory),
      events: events.map((event, index) => (index === 1 ? { ...event, seq: 7 } : event)),
    };
    const report = await replayHistories(
      [flaggedOrder],
      [events as WorkflowEvent[], broken, { format: 'other' } as unknown as ExportedHistory],
    );
    expect(report.results.map((result) => result.ok)).toEqual([false, false, false]);
    const [diverged, malformed, foreign] = report.results as HistoryReplayFailure[];
    expect(diverged?.error).toBeInstanceOf(NonDeterminismError);
    expect(malformed?.report).toMatch(/seq 7, expected 2/);
    expect(foreign?.report).toMatch(/expected an exported history/);
    const unknown = await replayHistories([], [events as WorkflowEvent[]]);
    expect((unknown.results[0] as HistoryReplayFailure).error).toMatchObject({
      code: 'unknown_workflow_type',
    });
  });

  it('exportHistory refuses an id the store never saw', async () => {
    const env = await createTestEngine({ workflows: [flaggedOrder] });
    await expect(exportHistory(env.engine.store, 'nobody')).rejects.toMatchObject({
      code: 'workflow_not_found',
    });
    await env.close();
  });
});
