/**
 * Client reads: what handles and `engine.list` read. A run this process owns answers from
 * memory where it can (its outcome, its pending work, its queries); anything else is read from
 * the store, so a read never waits on a run it does not need.
 */
import {
  checkPayload,
  type JsonValue,
  type TerminalOutcome,
  terminalOutcomeFromHistory,
  type VisibilityFilter,
  WorkflowCancelledError,
  WorkflowClosedError,
  type WorkflowEvent,
  WorkflowFailedError,
  type WorkflowId,
  WorkflowNotFoundError,
  WorkflowStalledError,
  type WorkflowStore,
  type WorkflowSummary,
  WorkflowTerminatedError,
  WorkflowTimedOutError,
} from '@reprise/core';
import { latestStart, type Settle } from '@reprise/core/internal';
import type { ActivityExecutor } from './activity-executor.js';
import {
  describeSummary,
  pendingWorkFromHistory,
  stallInfo,
  type WorkflowDescription,
  type WorkflowListItem,
  type WorkflowListPage,
} from './handle.js';
import type { Lifecycle } from './lifecycle.js';
import type { Residency } from './residency.js';
import type { RunTable } from './run-table.js';
import type { RunSupervision } from './supervision.js';

/** How many times a query follows a run whose loop ended under it before reading the store. */
const QUERY_ATTEMPTS = 5;

/** What client reads act through. */
export interface ClientReadsPort {
  readonly store: WorkflowStore;
  readonly table: RunTable;
  readonly supervision: RunSupervision;
  readonly residency: Residency;
  readonly lifecycle: Lifecycle;
  readonly settle: Settle;
  readonly activities: ActivityExecutor;
  /** The build a `pinned` open run of this type and build waits for, if another than this engine's. */
  waitingForBuild(summary: WorkflowSummary): string | undefined;
}

export class ClientReads {
  constructor(private readonly port: ClientReadsPort) {}

  /**
   * A page of workflows from the store's visibility, newest first; stalled runs say so, and so do
   * workflows in quarantine, rows the store could not read, and pinned runs waiting for their build.
   */
  async list(filter: VisibilityFilter): Promise<WorkflowListPage> {
    const { table, store, lifecycle } = this.port;
    lifecycle.assertOpen();
    const page = await store.query(filter);
    const items = page.items.map((summary): WorkflowListItem => {
      const damage = table.quarantined(summary.workflowId);
      if (damage) return { ...summary, corrupt: { key: damage.key, reason: damage.reason } };
      const stalled = table.get(summary.workflowId)?.stalled;
      const waitingFor = this.port.waitingForBuild(summary);
      if (!stalled && waitingFor === undefined) return summary;
      return {
        ...summary,
        ...(stalled ? { stalled: stallInfo(stalled) } : {}),
        ...(waitingFor === undefined ? {} : { waitingForBuild: waitingFor }),
      };
    });
    return {
      items,
      ...(page.cursor ? { cursor: page.cursor } : {}),
      ...(page.corrupt ? { corrupt: page.corrupt } : {}),
    };
  }

  /** The workflow's result, following continue-as-new to the last run. */
  result(workflowId: WorkflowId): Promise<JsonValue> {
    const { table, lifecycle } = this.port;
    try {
      lifecycle.assertOpen();
      table.assertReadable(workflowId);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!table.has(workflowId)) {
      const closed = table.closedOutcomes.get(workflowId);
      if (closed === undefined) return this.#resultFromStore(workflowId);
      // A run this process has just closed: no read of its history.
      return new Promise((resolve, reject) => settleOutcomeInto(workflowId, closed, resolve, reject));
    }
    // A run this process owns: its outcome arrives in memory, no read needed. No async frame
    // nor a second promise either: thousands of callers wait at once, each holding one promise
    // and one closure, and the close settles the caller's promise itself (one hop, not two).
    return new Promise((resolve, reject) =>
      table.onNextChange(workflowId, (outcome) => {
        // Asked again once the close is over (the run has left the table, a successor is in).
        if (!outcome || outcome.status === 'ContinuedAsNew')
          queueMicrotask(() => resolve(this.result(workflowId)));
        else settleOutcomeInto(workflowId, outcome, resolve, reject);
      }),
    );
  }

  /** The result of a workflow with no run in this process: from its history, or at its next change. */
  async #resultFromStore(workflowId: WorkflowId): Promise<JsonValue> {
    const { table, store } = this.port;
    const changed = table.nextChange(workflowId);
    const history = await store.readHistory(workflowId);
    const current = latestStart(history);
    if (!current) throw new WorkflowNotFoundError(workflowId);
    const outcome = terminalOutcomeFromHistory(history, current.runId);
    if (!outcome || outcome.status === 'ContinuedAsNew') {
      await changed;
      return this.result(workflowId);
    }
    return settleOutcome(workflowId, outcome);
  }

  /** Status, timing and pending work of the latest run. */
  async describe(workflowId: WorkflowId): Promise<WorkflowDescription> {
    const { table, store, supervision, lifecycle } = this.port;
    lifecycle.assertOpen();
    table.assertReadable(workflowId);
    const summary = await store.getSummary(workflowId);
    if (!summary) throw new WorkflowNotFoundError(workflowId);
    const entry = table.get(workflowId);
    const run = entry?.runId === summary.runId ? entry.run : undefined;
    const execution =
      run?.open && !run.stopping && entry && supervision.has(entry) ? run.execution : undefined;
    // A run not in memory waits on what its history shows.
    const pending =
      run && execution
        ? {
            pendingActivities: [...run.activities].map(([activityId, state]) => ({
              activityId,
              activityType: state.activityType,
              attemptsEnded: state.attemptsEnded,
              ...(state.retryAt === undefined ? {} : { retryAt: state.retryAt }),
              ...(state.lastFailure === undefined ? {} : { lastFailure: state.lastFailure }),
            })),
            pendingTimers: [...execution.pendingTimers()].map(([timerId, fireAt]) => ({ timerId, fireAt })),
          }
        : pendingWorkFromHistory(
            summary,
            summary.status === 'Running' ? await store.readHistory(workflowId) : [],
          );
    const waitingFor = this.port.waitingForBuild(summary);
    return {
      ...describeSummary(summary),
      pendingActivities: pending.pendingActivities.map((activity) => {
        const heartbeat = this.port.activities.lastHeartbeat(workflowId, activity.activityId);
        return heartbeat ? { ...activity, lastHeartbeat: heartbeat } : activity;
      }),
      pendingTimers: pending.pendingTimers,
      residency: execution
        ? 'resident'
        : entry && supervision.hibernating(entry)
          ? 'hibernated'
          : 'suspended',
      ...(entry?.stalled && entry.runId === summary.runId ? { stalled: stallInfo(entry.stalled) } : {}),
      ...(waitingFor === undefined ? {} : { waitingForBuild: waitingFor }),
    };
  }

  /** The whole history of the workflow id, every run. */
  async history(workflowId: WorkflowId): Promise<WorkflowEvent[]> {
    this.port.lifecycle.assertOpen();
    this.port.table.assertReadable(workflowId);
    const history = await this.port.store.readHistory(workflowId);
    if (history.length === 0) throw new WorkflowNotFoundError(workflowId);
    return history;
  }

  /** Asks a query handler of the open run's code, bringing the run into memory if needed. */
  async query(workflowId: WorkflowId, name: string, args: JsonValue): Promise<JsonValue> {
    const { table, store, residency, lifecycle, settle } = this.port;
    lifecycle.assertOpen();
    table.assertReadable(workflowId);
    const checked = checkPayload(args, { path: `query ${name} args` });
    for (let attempt = 0; attempt < QUERY_ATTEMPTS; attempt++) {
      const entry = table.get(workflowId);
      if (!entry) break;
      if (entry.stalled) throw new WorkflowStalledError(workflowId, entry.runId, entry.stalled);
      // A run answers once its start is recorded: a start may yet be undone (see `Starter`).
      try {
        await entry.startRecorded;
      } catch {
        continue;
      }
      residency.rehydrate(entry);
      while (entry.starting) await settle();
      const run = entry.run;
      if (!run) break;
      await run.ready;
      if (run.open && run.execution) return run.execution.query(name, checked);
      // The run's loop ended (it closed, stalled or was evicted): its exit is handled first.
      await settle();
    }
    const stalled = table.get(workflowId);
    if (stalled?.stalled) throw new WorkflowStalledError(workflowId, stalled.runId, stalled.stalled);
    const summary = await store.getSummary(workflowId);
    if (!summary) throw new WorkflowNotFoundError(workflowId);
    throw new WorkflowClosedError(workflowId, summary.status);
  }
}

/** Settles a caller's promise with the run's outcome: its result, or the error it ended with. */
function settleOutcomeInto(
  workflowId: WorkflowId,
  outcome: TerminalOutcome,
  resolve: (result: JsonValue) => void,
  reject: (error: unknown) => void,
): void {
  try {
    resolve(settleOutcome(workflowId, outcome));
  } catch (error) {
    reject(error);
  }
}

function settleOutcome(workflowId: WorkflowId, outcome: TerminalOutcome): JsonValue {
  switch (outcome.status) {
    case 'Completed':
      return outcome.result;
    case 'Failed':
      throw new WorkflowFailedError(workflowId, outcome.error);
    case 'Cancelled':
      throw new WorkflowCancelledError(workflowId, outcome.reason ?? undefined);
    case 'Terminated':
      throw new WorkflowTerminatedError(workflowId, outcome.reason ?? undefined);
    case 'TimedOut':
      throw new WorkflowTimedOutError(workflowId, outcome.timeout.afterMs);
    case 'ContinuedAsNew':
      throw new Error('unreachable: a continued run is followed, not settled');
  }
}
