/**
 * `@reprise/actors`: Erlang/OTP supervision trees for any XState v5 actor logic.
 * See the package README for the contract.
 */

export { ActorProcess } from './actor-process.js';
export type {
  ActorStart,
  ChildSpec,
  ChildStart,
  ChildType,
  RestartType,
  Shutdown,
  Strategy,
  SupervisorSpec,
} from './child-spec.js';
export { SupervisorStart, supervisor } from './child-spec.js';
export { type Clock, systemClock, VirtualClock } from './clock.js';
export { ActorError, NoProcError, SupervisorError, type SupervisorErrorCode } from './errors.js';
export { Process, type Watcher } from './process.js';
export { type RestartLog, type RestartVerdict, recordRestart } from './restart-intensity.js';
export { type ChildCounts, type ChildInfo, Supervisor } from './supervisor.js';
export { type ActorSystem, type ActorSystemOptions, createActorSystem, type SpawnOptions } from './system.js';
export type {
  ChildExitedTrace,
  ChildId,
  ChildRestartedTrace,
  ChildStartedTrace,
  ChildStartFailedTrace,
  ChildTerminatedTrace,
  DownMessage,
  ExitMessage,
  ExitReason,
  MonitorRef,
  Pid,
  SupervisorGaveUpTrace,
  SupervisorStoppedTrace,
  TraceEvent,
  TraceHook,
} from './types.js';
export { isNormalExit } from './types.js';
