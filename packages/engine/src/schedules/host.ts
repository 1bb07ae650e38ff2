import type { Clock } from '@reprise/actors';
import type { JsonValue, SearchAttributes, WorkflowId, WorkflowStatus, WorkflowStore } from '@reprise/core';
import type { EngineLogger } from '../options.js';
import type { Fencing } from '../recorder.js';

/** What the schedule service needs from the engine it lives in. */
export interface ScheduleHost {
  readonly store: WorkflowStore;
  readonly clock: Clock;
  readonly logger: EngineLogger;
  /**
   * On a store several engines share: how the schedule histories' appends are fenced (the
   * schedule's history `schedule:<id>` lives in a shard like any workflow, and only its owner
   * writes it). Absent for a store the engine owns whole.
   */
  readonly fencing?: Fencing;
  /** The shard of a history id (0 for a store the engine owns whole). */
  shardOf(historyId: WorkflowId): number;
  /** Whether this engine owns the shard of a history id now (always, for a store it owns whole). */
  owns(historyId: WorkflowId): boolean;
  /** Whether a workflow type is registered (schedules of unknown types are refused at create). */
  isWorkflowType(workflowType: string): boolean;
  /**
   * Starts a workflow unless one with this id exists (any status): `started` or `exists`.
   * A fire derives the id from the schedule id and the fire time, so a fire starts at most once.
   */
  startWorkflow(
    workflowType: string,
    input: JsonValue,
    options: { readonly workflowId: WorkflowId; readonly searchAttributes?: SearchAttributes },
  ): Promise<'started' | 'exists'>;
  /** Requests cancellation of a running workflow (overlap policy cancelOther). */
  cancelWorkflow(workflowId: WorkflowId, reason: string): Promise<void>;
  /** Ends a running workflow at once, recording it Terminated without running its clean-up (terminateOther). */
  terminateWorkflow(workflowId: WorkflowId, reason: string): Promise<void>;
  /** The status of a workflow's latest run, `undefined` if unknown. */
  workflowStatus(workflowId: WorkflowId): Promise<WorkflowStatus | undefined>;
  /** Calls `listener` whenever a workflow's run closes; returns the unsubscribe function. */
  onWorkflowClosed(listener: (workflowId: WorkflowId, status: WorkflowStatus) => void): () => void;
  /** Arms a one-shot timer on the engine's timer service (`key` unique; re-arming replaces). */
  armTimer(key: string, fireAt: number, fire: () => void): void;
  disarmTimer(key: string): void;
  /**
   * Hands the engine work started outside a caller's await (a timer's fire, a drain after a run
   * closed): `engine.idle()` waits for it and shutdown drains it before the store closes.
   */
  track(task: Promise<unknown>): void;
  /** Throws `EngineClosedError` once the engine is shutting down. */
  assertOpen(): void;
  /** Checks a payload against the engine's limits (`PayloadError` naming `path`). */
  checkPayload(value: unknown, path: string): JsonValue;
  /** Checks search attributes against the engine's schema (`SearchAttributeError`). */
  checkSearchAttributes(attributes: SearchAttributes): SearchAttributes;
}
