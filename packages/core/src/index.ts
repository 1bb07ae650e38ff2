/**
 * `@reprise/core`: the Reprise model, with no I/O. What a workflow's history is and means
 * (events, run segments, status, terminal outcomes), how workflows and activities are
 * declared, the error hierarchy, payload and duration rules, and the store contract with its
 * in-memory store. See the package README for the guarantees.
 *
 * This file is the public surface, kept in `core.api.md`; what Reprise's own packages share
 * beyond it (the replay interpreter, store helpers, retry math) is in `./internal.ts`.
 *
 * @packageDocumentation
 */

export type {
  ActivityContext,
  ActivityDefinition,
  ActivityOptions,
  ChildHandle,
  ChildOptions,
  UpdateHandlerOptions,
  WorkflowContext,
  WorkflowDefinition,
  WorkflowLog,
  WorkflowLogFn,
  WorkflowLogLevel,
} from './definitions.js';
export {
  DEFAULT_STALL_ERROR_TYPES,
  defineActivity,
  defineWorkflow,
  type ErrorType,
  type WorkflowOptions,
} from './definitions.js';
export { type Duration, type DurationUnit, toMs } from './duration.js';
export type { ErrorData } from './error-data.js';
export {
  ActivityFailure,
  CancelledError,
  ChildWorkflowFailure,
  ConcurrencyConflict,
  DurationError,
  FencedError,
  InboxItemGoneError,
  InvalidArgumentError,
  InvalidEventError,
  InvalidScheduleSpecError,
  NonDeterminismError,
  PayloadError,
  QueryNotReadOnlyError,
  RepriseError,
  ScheduleAlreadyExistsError,
  ScheduleNotFoundError,
  SearchAttributeError,
  ShardMovedError,
  type StallCause,
  StoreClosedError,
  StoreCorruption,
  StoreFormatError,
  StoreUnavailableError,
  UnknownActivityError,
  UnknownWorkflowTypeError,
  UpdateFailedError,
  UpdateRejectedError,
  WorkflowAlreadyStartedError,
  WorkflowCancelledError,
  WorkflowClosedError,
  WorkflowCodeError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowStalledError,
  WorkflowTerminatedError,
  WorkflowTimedOutError,
} from './errors.js';
export { EVENT_TYPES } from './event-validation.js';
export {
  type EventBody,
  type EventBodyOf,
  type EventEnvelope,
  type EventOf,
  type EventType,
  envelopeEvents,
  type ForkPoint,
  OVERLAP_POLICIES,
  type OverlapPolicy,
  type ParentClosePolicy,
  type ParentLink,
  type ScheduleFireCause,
  type ScheduleSkipReason,
  type ScheduleSpec,
  type SearchAttributes,
  type TimeoutDescription,
  type TraceContext,
  type WorkflowEvent,
} from './events.js';
export {
  EXPORTED_HISTORY_FORMAT,
  EXPORTED_HISTORY_VERSION,
  type ExportedHistory,
  readExportedHistories,
  readExportedHistory,
  toExportedHistory,
} from './exported-history.js';
export {
  asRunId,
  asWorkflowId,
  type Brand,
  checkWorkflowId,
  defaultChildWorkflowId,
  isValidWorkflowId,
  MAX_WORKFLOW_ID_BYTES,
  MAX_WORKFLOW_ID_LENGTH,
  type RunId,
  type WorkflowId,
} from './ids.js';
export { InMemoryStore, type InMemoryStoreOptions } from './in-memory-store.js';
export {
  type ClaimShardsOptions,
  checkShardCount,
  DEFAULT_SHARD_COUNT,
  type InboxConsumption,
  type InboxItem,
  type InboxKind,
  type InboxNotice,
  type InboxRequest,
  type InboxStatus,
  type LiveOwner,
  MAX_SHARD_COUNT,
  type OwnershipStore,
  type ShardFence,
  type ShardFilter,
  type ShardLease,
  shardOf,
  supportsOwnership,
} from './ownership.js';
export {
  checkPayload,
  DEFAULT_MAX_PAYLOAD_BYTES,
  decodePayload,
  encodePayload,
  type JsonObject,
  type JsonValue,
  type PayloadCheckOptions,
} from './payload.js';
export { EMPTY_PROJECTION, projectEvents, projectHistory, type WorkflowProjection } from './projection.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy, type RetryPolicyInput } from './retry.js';
export {
  runSegment,
  statusFromEvents,
  type TerminalOutcome,
  type TerminalStatus,
  terminalOutcomeFromHistory,
  WORKFLOW_STATUSES,
  type WorkflowStatus,
} from './run-segment.js';
export type { SearchAttributeSchema, SearchAttributeType } from './search-attributes.js';
export { SharedInMemoryStore, type SharedInMemoryStoreOptions } from './shared-in-memory-store.js';
export {
  type AppendOptions,
  type AppendResult,
  type DeleteClosedOptions,
  type DeleteClosedResult,
  type DueTimer,
  type EventStore,
  type ReadHistoryOptions,
  type RetentionStore,
  supportsRetention,
  type VisibilityStore,
  type WorkflowStore,
} from './store.js';
export {
  type CorruptRecord,
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  type PredicateOperators,
  type RunBacklog,
  type SearchAttributePredicate,
  type VisibilityFilter,
  type VisibilityPage,
  type WorkflowSummary,
} from './visibility.js';
export { ContinueAsNewRequest, TimeoutError } from './workflow-execution.js';
