/**
 * `@reprise/engine`: the workflow runtime. `Engine.create` opens an engine over a store, runs
 * each workflow run as an actor under a supervisor for its type, and hands out
 * `WorkflowHandle`s; `engine.schedules` starts workflows on a cron or an interval. See the
 * package README for the contract.
 *
 * This file is the public surface, kept in `engine.api.md`. What the CLI, testkit and the
 * engine's own tests use beyond it (the exit handler, the recorder, schedule history helpers,
 * describe helpers) is in `./internal.ts`, reached as `@reprise/engine/internal`.
 *
 * @packageDocumentation
 */

// The clock is the actors package's; re-exported because `EngineOptions.clock` takes one and
// tests drive an engine with a `VirtualClock`.
export { type Clock, systemClock, VirtualClock } from '@reprise/actors';
export { Engine, EngineClosedError } from './engine.js';
export {
  type CancelResult,
  type ForkOptions,
  type ResetOptions,
  type ResetTarget,
  type Residency,
  type SignalOptions,
  type StalledRun,
  type StallInfo,
  type WorkflowDescription,
  WorkflowHandle,
  type WorkflowListItem,
  type WorkflowListPage,
} from './handle.js';
export {
  type EngineLogger,
  type EngineOptions,
  type IdReusePolicy,
  type OwnershipOptions,
  type PinoLikeLogger,
  pinoLogger,
  type StartOptions,
} from './options.js';
export type { UpdateOptions } from './run-updates.js';
export {
  type BackfillResult,
  CATCH_UP_POLICIES,
  type CatchUpPolicy,
  DEFAULT_CATCH_UP_WINDOW_MS,
  firedWorkflowId,
  MAX_BACKFILL_FIRES,
  OVERLAP_POLICIES,
  type OverlapPolicy,
  type ScheduleActionView,
  type ScheduleChanges,
  type ScheduleDescription,
  type ScheduleOptions,
  type ScheduleSpecInput,
  type ScheduleSummary,
  Schedules,
  type TriggerResult,
  triggeredWorkflowId,
} from './schedules/index.js';
export { DEFAULT_LEASE_TTL_MS } from './shard-ownership.js';
export type { SupervisedRunView, SupervisionTree, TypeSupervisorView } from './supervision.js';
