export { listedIds } from './catalog.js';
export { CATCH_UP_POLICIES, type CatchUpPolicy, MISSED_AFTER_MS } from './catch-up.js';
export {
  DEFAULT_CATCH_UP_WINDOW_MS,
  type ScheduleChanges,
  type ScheduleDefinition,
  type ScheduleOptions,
} from './definition.js';
export type { ScheduleHost } from './host.js';
export { CATALOG_HISTORY_ID, firedWorkflowId, scheduleHistoryId, triggeredWorkflowId } from './ids.js';
export { OVERLAP_POLICIES, type OverlapPolicy } from './overlap.js';
export { foldScheduleHistory, type ScheduleAction, type ScheduleRecord } from './schedule-record.js';
export { MAX_BACKFILL_FIRES, Schedules } from './schedules.js';
export { type FireTimes, fireTimes, normalizeSpec, type ScheduleSpecInput } from './spec.js';
export type {
  BackfillResult,
  ScheduleActionView,
  ScheduleDescription,
  ScheduleSummary,
  TriggerResult,
} from './views.js';
