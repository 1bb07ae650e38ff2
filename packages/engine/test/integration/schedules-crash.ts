// The schedule crash scenario, shared by the quick test and its soak version: a process runs a
// schedule firing every `intervalMs` on LMDB and is SIGKILLed `kills` times around fire times
// (half of them while it recovers); then a last process finishes cleanly, and the store must show
// every fire of the spec taken once and started once. Each process kills itself right after a
// chosen fire is recorded, before it starts that fire's workflow: the kill follows the work, not
// the wall clock, so a busy machine moves it with the work.
import { join } from 'node:path';
import type { EventOf, WorkflowId } from '@reprise/core';
import { scheduleHistoryId } from '@reprise/engine/internal';
import { openLmdbStore } from '@reprise/store-lmdb';
import { startWorkerProcess } from '@reprise/testkit/internal';
import { dieAfter } from './fixtures/dying-store.js';

const WORKER = join(__dirname, 'schedules-fixtures', 'crash-worker.ts');

const randomInt = (low: number, high: number) => low + Math.floor(Math.random() * (high - low + 1));
/** The fewest fires a worker started on the running schedule records before its kill. */
export const FIRES_BEFORE_KILL = 11;

/** What the store shows after the scenario. */
export interface CrashOutcome {
  /** Nominal fire times the spec had between the schedule's creation and its final pause. */
  readonly expected: number[];
  /** Nominal fire times recorded as ScheduleTriggered, in record order. */
  readonly recorded: number[];
  /** Fire times recorded as skipped (none expected under catchUp all). */
  readonly skipped: number;
  /** For each recorded fire, how many WorkflowStarted its workflow has, and its status. */
  readonly starts: {
    readonly workflowId: string;
    readonly started: number;
    readonly status: string | undefined;
  }[];
}

export async function runScheduleCrashScenario(
  dir: string,
  kills: number,
  intervalMs: number,
): Promise<CrashOutcome> {
  for (let round = 0; round < kills; round++) {
    // Every other worker dies while it recovers: in the catch-up of the fires missed during the
    // last downtime (which outlasts an interval: a process takes longer to start). The others
    // record a dozen fires or so first.
    const fires = round % 2 === 1 ? randomInt(1, 3) : FIRES_BEFORE_KILL + randomInt(0, 4);
    const worker = startWorkerProcess(WORKER, ['run', dir, String(intervalMs)], {
      env: dieAfter(fires, 'ScheduleTriggered'),
    });
    const { code, signal } = await worker.exited;
    if (signal !== 'SIGKILL')
      throw new Error(`a worker exited with ${code} instead of its kill:\n${worker.stderr()}`);
  }
  const finisher = startWorkerProcess(WORKER, ['finish', dir]);
  const { code } = await finisher.exited;
  if (code !== 0) throw new Error(`the finishing worker exited with ${code}:\n${finisher.stderr()}`);

  const store = openLmdbStore({ path: dir });
  try {
    const history = await store.readHistory(scheduleHistoryId('crash'));
    const created = history.find((event) => event.type === 'ScheduleCreated') as EventOf<'ScheduleCreated'>;
    const paused = history.find((event) => event.type === 'SchedulePaused') as EventOf<'SchedulePaused'>;
    const expected: number[] = [];
    for (
      let at = (Math.floor(created.recordedAt / intervalMs) + 1) * intervalMs;
      at <= paused.recordedAt;
      at += intervalMs
    ) {
      expected.push(at);
    }
    // A fire due at the very moment of the pause may or may not have been handled before it.
    const recorded = history.flatMap((event) => (event.type === 'ScheduleTriggered' ? [event.fireAt] : []));
    if (recorded.at(-1) !== expected.at(-1))
      expected.splice(expected.length - 1, expected.at(-1) === paused.recordedAt ? 1 : 0);
    const starts = [];
    for (const event of history) {
      if (event.type !== 'ScheduleTriggered') continue;
      const workflowId = event.startedWorkflowId as WorkflowId;
      const own = await store.readHistory(workflowId);
      starts.push({
        workflowId,
        started: own.filter((e) => e.type === 'WorkflowStarted').length,
        status: (await store.getSummary(workflowId))?.status,
      });
    }
    return {
      expected,
      recorded,
      skipped: history.filter((event) => event.type === 'ScheduleFiresSkipped').length,
      starts,
    };
  } finally {
    await store.close();
  }
}
