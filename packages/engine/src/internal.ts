/**
 * `@reprise/engine/internal`: what Reprise's own packages use of the engine beyond its public
 * surface (`index.ts`). The CLI describes workflows from their history without an engine
 * (`describeSummary`, `pendingWorkFromHistory`); testkit reads schedule histories
 * (`scheduleHistoryId`, `CATALOG_HISTORY_ID`, `foldScheduleHistory`), and so does the CLI without a
 * worker (`listedIds` too); the engine's tests drive
 * the exit handler and the recorder directly. Nothing here is a stable API, and it has no API
 * report.
 *
 * @packageDocumentation
 */

export type { ActivityReport, ActivityTask } from './activity-executor.js';
export {
  type ClosedRun,
  closedRunOf,
  type ExitContext,
  type ExitingRun,
  handleRunExit,
  successorStarted,
  terminalEventBody,
} from './exit-handler.js';
export {
  describeSummary,
  type HandleOperations,
  openActivities,
  openChildStarts,
  type PendingWork,
  pendingWorkFromHistory,
  type SummaryDescription,
} from './handle.js';
export { readHistoryFiles } from './history-files.js';
export { Recorder } from './recorder.js';
export { RunEndedError, type RunExit } from './run.js';
export {
  CATALOG_HISTORY_ID,
  type FireTimes,
  fireTimes,
  foldScheduleHistory,
  listedIds,
  MISSED_AFTER_MS,
  normalizeSpec,
  type ScheduleAction,
  type ScheduleDefinition,
  type ScheduleHost,
  type ScheduleRecord,
  scheduleHistoryId,
} from './schedules/index.js';
