export { type Clock, systemClock, VirtualClock } from '@reprise/actors';
export type { ActivityReport, ActivityTask } from './activity-executor.js';
export { Engine, EngineClosedError } from './engine.js';
export {
  type ClosedRun,
  closedRunOf,
  type ExitContext,
  type ExitingRun,
  handleRunExit,
  successorStarted,
  terminalEventBody,
} from './exit-handler.js';
export * from './handle.js';
export * from './options.js';
export { Recorder } from './recorder.js';
export { RunEndedError, type RunExit } from './run.js';
export * from './schedules/index.js';
