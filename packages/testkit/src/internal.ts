/**
 * `@reprise/testkit/internal`: what Reprise's own test suites use of testkit beyond its public
 * surface (`index.ts`): the harness that runs a script in a child process and kills it (the
 * LMDB and engine crash tests), the property runner behind `checkReplay`, the replay of one
 * history, a way to damage a stored value as a bad disk would, and the timeline helpers its reports are written with. Nothing here is a stable API,
 * and it has no API report.
 *
 * @packageDocumentation
 */

export { CaseFailure, runCheck } from './check-error.js';
export { damageStoredValue } from './damage.js';
export {
  type Divergence,
  describeOutcome,
  type HistoryReplay,
  type ReplayedRun,
  replayWorkflowHistory,
} from './history-replay.js';
export {
  killWorkerProcesses,
  startWorkerProcess,
  tempDirs,
  WorkerExitedError,
  type WorkerProcess,
} from './process-harness.js';
export {
  briefDuration,
  briefError,
  briefJson,
  describeEvent,
  formatTimeline,
  renameRuns,
  type TimelineMark,
} from './timeline.js';
