/**
 * Startup recovery: `Engine.create` brings back every workflow the store lists as active (a run
 * whose type is registered here), and starts the continue-as-new successors that were recorded
 * but never started. A run that only waits (on a signal, a child, a timer not due yet) is not
 * replayed: its visibility row's backlog says so, and it is entered in the run table suspended,
 * as an evicted run is, with its timers armed from the store's timer index; what arrives for it
 * brings it back by replay. A run with work due now (an activity to run, an overdue timer, an
 * input its code may not have taken, a child or a signal delivery whose outcome may be missing)
 * is replayed at once, a bounded batch at a time; its replay re-arms its timers and re-runs its
 * activities.
 */
import type { Clock } from '@reprise/actors';
import {
  type DueTimer,
  type EventOf,
  StoreCorruption,
  statusFromEvents,
  terminalOutcomeFromHistory,
  type WorkflowEvent,
  type WorkflowId,
  type WorkflowStore,
  type WorkflowSummary,
} from '@reprise/core';
import { latestStart, replayAtStart } from '@reprise/core/internal';
import { successorStarted } from './exit-handler.js';
import type { EngineLogger } from './options.js';
import { quarantineWorkflow, type RunTable } from './run-table.js';
import type { Starter } from './starter.js';

/** How many closed-by-continue-as-new workflows are read per page. */
const PAGE = 1000;

/** How many runs replayed at start may be replaying at once. */
const REPLAY_BATCH = 256;

/**
 * How many rows of active workflows are read at once: one after the other, a takeover of a few
 * hundred runs spent seconds in round trips on a busy database.
 */
const SUMMARY_BATCH = 64;

/** What recovery acts through. */
export interface RecoveryPort {
  readonly store: WorkflowStore;
  readonly clock: Clock;
  readonly table: RunTable;
  readonly starter: Starter;
  readonly logger: EngineLogger;
  /** The build this engine runs: a run whose only step another build recorded is replayed. */
  readonly buildId: string;
  isWorkflowType(workflowType: string): boolean;
  /** A run of a `pinned` type started by another build: left untouched for that build. */
  pinnedToOtherBuild(started: Pick<EventOf<'WorkflowStarted'>, 'workflowType' | 'buildId'>): boolean;
  /**
   * Only the workflows of these shards (the shards this engine owns, `shard-ownership.ts`);
   * every workflow when absent.
   */
  readonly shards?: readonly number[];
  /** The shard of a workflow, for `shards`. */
  shardOf?(workflowId: string): number;
}

/** Brings back every active workflow of a registered type, and missing successors. */
export async function recover(port: RecoveryPort): Promise<void> {
  await recoverRuns(
    port,
    port.store.listActive(port.shards === undefined ? undefined : { shards: port.shards }),
  );
  await startMissingSuccessors(port);
}

/**
 * Brings back the open runs of the given workflows (ids the store lists as active, or any
 * subset of them, such as one shard's): each is entered in the run table suspended, or, with
 * work due, replayed. Ids that are closed, unknown, of a type not registered here or already in
 * the table are passed over. Resolves once the replays it started have caught up with their
 * histories.
 */
export async function recoverRuns(
  port: RecoveryPort,
  workflowIds: AsyncIterable<WorkflowId> | Iterable<WorkflowId>,
): Promise<void> {
  const { store, table, logger } = port;
  const quarantined = (workflowId: WorkflowId, error: unknown): boolean => {
    if (!(error instanceof StoreCorruption)) return false;
    quarantineWorkflow(table, logger, workflowId, error);
    return true;
  };
  const now = port.clock.now();
  const filter = port.shards === undefined ? undefined : { shards: port.shards };
  const timers = timersByWorkflow(await store.dueTimers(Number.MAX_SAFE_INTEGER, filter));
  const replaying = new Set<Promise<void>>();
  const readSummary = async (workflowId: WorkflowId) => {
    try {
      return { workflowId, summary: await store.getSummary(workflowId) };
    } catch (error) {
      if (quarantined(workflowId, error)) return undefined;
      throw error;
    }
  };
  for await (const batch of batches(workflowIds, SUMMARY_BATCH)) {
    const rows = await Promise.all(batch.filter((id) => inShards(port, id)).map(readSummary));
    for (const row of rows) {
      if (!row) continue;
      const ready = (await recoverRun(port, row.workflowId, row.summary, timers, now, quarantined))?.ready;
      if (!ready) continue;
      const settled = ready.then(() => {
        replaying.delete(settled);
      });
      replaying.add(settled);
      if (replaying.size >= REPLAY_BATCH) await Promise.race(replaying);
    }
  }
  await Promise.all(replaying);
}

/** `items` in arrays of `size` (the last one shorter). */
async function* batches<T>(items: AsyncIterable<T> | Iterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/**
 * Brings back one active workflow from its row: entered suspended, or replayed (resolves with
 * `ready`, which settles once the replay is done), or passed over (closed, of a type not here,
 * pinned to another build, in the table already).
 */
async function recoverRun(
  port: RecoveryPort,
  workflowId: WorkflowId,
  summary: WorkflowSummary | undefined,
  timers: ReadonlyMap<WorkflowId, DueTimer[]>,
  now: number,
  quarantined: (workflowId: WorkflowId, error: unknown) => boolean,
): Promise<{ readonly ready: Promise<void> | undefined } | undefined> {
  const { table, starter, logger } = port;
  if (summary?.status !== 'Running') {
    logger.warn('active index lists a workflow whose history is closed; skipped', { workflowId });
    return undefined;
  }
  if (!port.isWorkflowType(summary.workflowType)) {
    logger.warn('active workflow of an unregistered type left as it is', {
      workflowId,
      workflowType: summary.workflowType,
    });
    return undefined;
  }
  // Not replayed, nothing recorded: `list` shows it waiting for its build.
  if (port.pinnedToOtherBuild(summary)) return undefined;
  // One entry per run: another path (a parent's replay starting its child) may have entered it.
  if (table.get(workflowId)?.runId === summary.runId) return undefined;
  const runTimers = timers.get(workflowId) ?? [];
  if (!replayAtStart(summary, port.buildId) && runTimers.every((timer) => timer.fireAt > now)) {
    starter.suspend(summary, runTimers);
    return undefined;
  }
  return replay(port, workflowId, quarantined);
}

/**
 * Reads a workflow's history and starts its run's actor, which replays it. Resolves with
 * `ready`, which settles once that replay is done, or nothing when the run was not started.
 */
async function replay(
  port: RecoveryPort,
  workflowId: WorkflowId,
  quarantined: (workflowId: WorkflowId, error: unknown) => boolean,
): Promise<{ readonly ready: Promise<void> | undefined } | undefined> {
  const { store, table, starter, logger } = port;
  let history: WorkflowEvent[];
  try {
    history = await store.readHistory(workflowId);
  } catch (error) {
    if (quarantined(workflowId, error)) return undefined;
    throw error;
  }
  const started = latestStart(history);
  if (!started || statusFromEvents(history) !== 'Running') {
    logger.warn('active index lists a workflow whose history is closed; skipped', { workflowId });
    return undefined;
  }
  table.recorder(workflowId).sync(history);
  await starter.spawn(history, true);
  const entry = table.get(workflowId);
  return { ready: entry?.runId === started.runId ? entry.run?.ready : undefined };
}

/** Whether a workflow is in the shards recovery is limited to (every workflow when unlimited). */
function inShards(port: RecoveryPort, workflowId: string): boolean {
  return port.shards === undefined || port.shards.includes(port.shardOf?.(workflowId) ?? 0);
}

/** The store's pending timers, by workflow. */
function timersByWorkflow(timers: readonly DueTimer[]): Map<WorkflowId, DueTimer[]> {
  const byWorkflow = new Map<WorkflowId, DueTimer[]>();
  for (const timer of timers) {
    const list = byWorkflow.get(timer.workflowId);
    if (list) list.push(timer);
    else byWorkflow.set(timer.workflowId, [timer]);
  }
  return byWorkflow;
}

/** Starts the continue-as-new successors that were recorded but never started. */
async function startMissingSuccessors(port: RecoveryPort): Promise<void> {
  const { store, table, starter, logger } = port;
  let cursor: string | undefined;
  do {
    const page = await store.query({ status: 'ContinuedAsNew', limit: PAGE, ...(cursor ? { cursor } : {}) });
    for (const summary of page.items) {
      if (!port.isWorkflowType(summary.workflowType) || !inShards(port, summary.workflowId)) continue;
      const recorder = table.recorder(summary.workflowId as WorkflowId);
      let history: WorkflowEvent[];
      try {
        history = await recorder.exclusive(() => recorder.read());
      } catch (error) {
        if (!(error instanceof StoreCorruption)) throw error;
        quarantineWorkflow(table, logger, summary.workflowId as WorkflowId, error);
        continue;
      }
      const outcome = terminalOutcomeFromHistory(history, summary.runId);
      if (outcome?.status === 'ContinuedAsNew' && !successorStarted(history, summary.runId)) {
        await starter.startSuccessor(
          {
            workflowId: summary.workflowId,
            runId: summary.runId,
            workflowType: summary.workflowType,
            recorder,
          },
          outcome,
        );
      }
    }
    cursor = page.cursor;
  } while (cursor);
}
