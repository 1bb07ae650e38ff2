/**
 * Startup recovery: `Engine.create` replays every workflow the store lists as active (a run
 * whose type is registered here), and starts the continue-as-new successors that were recorded
 * but never started. Timers are re-armed and activities re-run by each run's replay.
 */
import {
  type EventOf,
  StoreCorruption,
  statusFromEvents,
  terminalOutcomeFromHistory,
  type WorkflowEvent,
  type WorkflowId,
  type WorkflowStore,
} from '@reprise/core';
import { latestStart } from '@reprise/core/internal';
import { successorStarted } from './exit-handler.js';
import type { EngineLogger } from './options.js';
import { quarantineWorkflow, type RunTable } from './run-table.js';
import type { Starter } from './starter.js';

/** How many closed-by-continue-as-new workflows are read per page. */
const PAGE = 1000;

/** What recovery acts through. */
export interface RecoveryPort {
  readonly store: WorkflowStore;
  readonly table: RunTable;
  readonly starter: Starter;
  readonly logger: EngineLogger;
  isWorkflowType(workflowType: string): boolean;
  /** A run of a `pinned` type started by another build: left untouched for that build. */
  pinnedToOtherBuild(started: EventOf<'WorkflowStarted'>): boolean;
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
  const { store, table, starter, logger } = port;
  const quarantined = (workflowId: WorkflowId, error: unknown): boolean => {
    if (!(error instanceof StoreCorruption)) return false;
    quarantineWorkflow(table, logger, workflowId, error);
    return true;
  };
  const { shards } = port;
  const inShards = (workflowId: string): boolean =>
    shards === undefined || shards.includes(port.shardOf?.(workflowId) ?? 0);
  for await (const workflowId of store.listActive(shards === undefined ? undefined : { shards })) {
    if (!inShards(workflowId)) continue;
    let history: WorkflowEvent[];
    try {
      history = await store.readHistory(workflowId);
    } catch (error) {
      if (quarantined(workflowId, error)) continue;
      throw error;
    }
    const started = latestStart(history);
    if (!started || statusFromEvents(history) !== 'Running') {
      logger.warn('active index lists a workflow whose history is closed; skipped', { workflowId });
      continue;
    }
    if (!port.isWorkflowType(started.workflowType)) {
      logger.warn('active workflow of an unregistered type left as it is', {
        workflowId,
        workflowType: started.workflowType,
      });
      continue;
    }
    // Not replayed, nothing recorded: `list` shows it waiting for its build.
    if (port.pinnedToOtherBuild(started)) continue;
    table.recorder(workflowId).sync(history);
    await starter.spawn(history, true);
  }
  let cursor: string | undefined;
  do {
    const page = await store.query({ status: 'ContinuedAsNew', limit: PAGE, ...(cursor ? { cursor } : {}) });
    for (const summary of page.items) {
      if (!port.isWorkflowType(summary.workflowType) || !inShards(summary.workflowId)) continue;
      const recorder = table.recorder(summary.workflowId as WorkflowId);
      let history: WorkflowEvent[];
      try {
        history = await recorder.exclusive(() => recorder.read());
      } catch (error) {
        if (quarantined(summary.workflowId as WorkflowId, error)) continue;
        throw error;
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
