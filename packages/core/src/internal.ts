/**
 * `@reprise/core/internal`: what Reprise's own packages share beyond core's public surface
 * (`index.ts`). The engine runs workflows with the replay interpreter and retry math; the
 * stores page and index visibility rows with the filter and cursor helpers; testkit and the
 * CLI replay histories and describe commands. Nothing here is a stable API: names and
 * signatures change with the packages that use them, and it has no API report.
 *
 * @packageDocumentation
 */

export {
  type ActivityExecutionOptions,
  COMMAND_EVENT_TYPES,
  type Command,
  commandEvent,
  commandMatchKey,
  describeCommandEvent,
  isCommandEvent,
} from './commands.js';
export { fromErrorData, toErrorData } from './error-data.js';
export {
  checkEventBatchForBinary,
  type EventBatchCheck,
  encodeEventBatch,
  storedEventProblem,
} from './event-validation.js';
export { newRunId, newWorkflowId } from './ids.js';
export { compareStrings } from './in-memory-store.js';
export { LoneEntryMap } from './lone-entry-map.js';
export { checkInboxRequest } from './ownership.js';
export { checkPayloadLimit, encodePayloadAt, jsonEqual } from './payload.js';
export {
  closesRun,
  leavesProjection,
  mergeAttributes,
  movesOnlyHistoryLength,
  replayAtStart,
  stepBacklog,
} from './projection.js';
export {
  applyHeld,
  executionInitFromStart,
  type ReplayResult,
  replayRun,
  type Settle,
  settle,
} from './replay.js';
export {
  type AnyWorkflowDefinition,
  describeOutcome,
  type RunVerdict,
  replayVerdict,
  sameOutcome,
} from './replay-verdict.js';
export {
  checkDeleteClosedOptions,
  DEFAULT_DELETE_BATCH,
  MAX_DELETE_BATCH,
  retentionCandidates,
} from './retention.js';
export { isNonRetryable, nextRetryDelay, normalizeRetryPolicy } from './retry.js';
export {
  latestStart,
  runStart,
  type SegmentBounds,
  segmentBounds,
  terminalOutcomeOfEvent,
} from './run-segment.js';
export { checkSearchAttributeSchema, validateSearchAttributes } from './search-attributes.js';
export { seededRandom, seededUuid, seededWords } from './seeded-random.js';
export { checkClaim, fairShare, ShardLeases } from './shard-leases.js';
export {
  briefDuration,
  briefError,
  briefJson,
  describeEvent,
  renameRuns,
  type TimelineMark,
  type TimelineOptions,
  timelineLines,
} from './timeline.js';
export {
  type TimelineAttempt,
  type TimelinePoint,
  type TimelineRun,
  type TimelineSpan,
  type TimelineSpanOutcome,
  timelineRuns,
} from './timeline-spans.js';
export {
  attributeMatches,
  compareListPosition,
  decodeCursor,
  encodeCursor,
  type ListPosition,
  matchesFilter,
  type NormalizedFilter,
  normalizeFilter,
  pageOf,
  storedSummaryProblem,
  textTokens,
} from './visibility.js';
export { type ExecutionInit, type ExecutionOutcome, WorkflowExecution } from './workflow-execution.js';
