/**
 * `@reprise/testkit`: testing workflows and stores. A test engine on a virtual clock, replay
 * and crash-recovery properties over generated scenarios, replay of recorded histories (what CI
 * runs before new code ships), fast-check arbitraries of the model, and the conformance suite
 * every store must pass. See the package README.
 *
 * This file is the public surface, kept in `testkit.api.md`. The process harness, the property
 * runner and the timeline helpers that Reprise's own tests use are in `./internal.ts`
 * (`@reprise/testkit/internal`).
 *
 * @packageDocumentation
 */

export {
  type AttemptOutcome,
  activityOutcomeScriptArbitrary,
  errorDataArbitrary,
  type GeneratedHistory,
  type GeneratedRun,
  type GeneratedScheduleCatalog,
  type GeneratedScheduleHistory,
  historyArbitrary,
  payloadArbitrary,
  retryPolicyArbitrary,
  runStepBodyArbitrary,
  runStepsArbitrary,
  scheduleCatalogArbitrary,
  scheduleHistoryArbitrary,
} from './arbitraries.js';
export { type CheckCrashRecoveryOptions, checkCrashRecovery } from './check-crash-recovery.js';
export { type PropertyRunOptions, ReplayCheckError } from './check-error.js';
export { type CheckReplayOptions, checkReplay, type SignalSpec } from './check-replay.js';
export { describeEventStoreConformance, type StoreFactory } from './conformance.js';
export {
  EXPORTED_HISTORY_FORMAT,
  type ExportedHistory,
  exportHistory,
  readExportedHistory,
} from './exported-history.js';
export { readHistoryFiles } from './history-files.js';
export type { AnyWorkflowDefinition } from './history-replay.js';
export {
  describeOwnershipConformance,
  type OwnershipFixture,
  type OwnershipFixtureFactory,
  workflowIdInShard,
} from './ownership-conformance.js';
export {
  type HistoryReplayFailure,
  type HistoryReplayOk,
  type ReplayReport,
  replayHistories,
} from './replay-histories.js';
export type { ScenarioOptions } from './scenario.js';
export type { ActivityResults, AnyActivityDefinition } from './scripted-activities.js';
export {
  createTestEngine,
  DEFAULT_TEST_START,
  type TestEngine,
  type TestEngineOptions,
} from './test-engine.js';
export { NoTestRunnerError } from './test-runner-globals.js';
