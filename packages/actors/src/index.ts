/**
 * `@reprise/actors`: Erlang/OTP supervision trees for any XState v5 actor logic.
 * See the package README for the contract.
 *
 * This file is the public surface, kept in `actors.api.md`. Processes (XState actors, tasks,
 * supervisors) are made by the actor system and supervisors, never by `new`, so their classes
 * are exported as types only. Their
 * members tagged internal (the kernel, links, monitors and exit plumbing, all named with a
 * leading underscore) are stripped from the published declarations by `stripInternal` in
 * tsconfig.json. `recordRestart`, the pure restart-intensity rule, is tested from its file and
 * not exported.
 *
 * @packageDocumentation
 */

export type { ActorProcess } from './actor-process.js';
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
export { type SupervisorStart, supervisor, type TaskStart, task } from './child-spec.js';
export type { ChildCounts, ChildInfo } from './child-table.js';
export { type Clock, systemClock, VirtualClock } from './clock.js';
export { ActorError, NoProcError, SupervisorError, type SupervisorErrorCode } from './errors.js';
export type { Process, Watcher } from './process.js';
export type { Supervisor } from './supervisor.js';
export { type ActorSystem, type ActorSystemOptions, createActorSystem, type SpawnOptions } from './system.js';
export type { TaskEvent, TaskProcess, TaskSpec } from './task-process.js';
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
  TraceBase,
  TraceEvent,
  TraceHook,
} from './types.js';
export { isNormalExit } from './types.js';
