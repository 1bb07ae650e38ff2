/**
 * The data that crosses the actor system's boundary: process ids, exit reasons, the messages a
 * process receives about other processes, and the trace events supervisors report.
 */

// A brand no value can have: it keeps a plain string from passing as a Pid, and, being a
// symbol, it adds no property name to the public types.
declare const brand: unique symbol;

/** A process id: unique within an actor system, never reused. Every start gets a new one. */
export type Pid = string & { readonly [brand]: 'Pid' };

/** Identifies one monitor, as returned by `monitor()`; pass it to `demonitor()`. */
export type MonitorRef = string & { readonly [brand]: 'MonitorRef' };

/** A child's identifier within its supervisor (a child spec's `id`). */
export type ChildId = string;

/**
 * Why a process exited, as in Erlang.
 *
 * - `'normal'`: the XState logic finished (status `done`). Not propagated through links.
 * - `'shutdown'`: stopped by its supervisor or by the system.
 * - `'killed'`: stopped by an untrappable `exit('kill')`.
 * - `'kill'`: a process exited with reason `'kill'` of its own (a supervisor's `stop('kill')`)
 *   or because a link brought it that reason. A link never turns `'kill'` into an untrappable
 *   signal: only `exit('kill')` is one.
 * - `'noproc'`: only in `DOWN` / `EXIT` messages about a process that was already gone.
 * - an `Error`: the logic threw or rejected (status `error`), or someone sent that reason.
 */
export type ExitReason = 'normal' | 'shutdown' | 'kill' | 'killed' | 'noproc' | Error;

/**
 * The event a process that traps exits receives instead of dying from an exit signal.
 * Add it to a machine's event types to handle it.
 */
export interface ExitMessage {
  /** The message's tag. */
  readonly type: 'EXIT';
  /**
   * The linked process that exited (for the `'noproc'` of a `link` to a process that is gone,
   * the pid that was linked to), or `undefined` when the signal came from outside any process.
   */
  readonly from: Pid | undefined;
  /** The exit reason the signal carries. */
  readonly reason: ExitReason;
}

/** The event a monitoring process receives, exactly once, when the monitored process is gone. */
export interface DownMessage {
  /** The message's tag. */
  readonly type: 'DOWN';
  /** The monitor's reference, as `monitor` returned it. */
  readonly ref: MonitorRef;
  /** The monitored process. */
  readonly pid: Pid;
  /** Its exit reason, or `'noproc'` if it was already gone when the monitor was set. */
  readonly reason: ExitReason;
  /**
   * The logic's output when `reason` is `'normal'` (a `fromPromise` result, a machine's
   * output), as Erlang carries a result in a `DOWN`'s reason term; absent otherwise.
   */
  readonly output?: unknown;
}

/** Fields every trace event carries. */
export interface TraceBase {
  /** Clock time when it happened, epoch ms. */
  readonly at: number;
  /** The supervisor that reports it. */
  readonly supervisor: Pid;
}

/** A supervisor started a child: static start, `startChild` or `restartChild`. */
export interface ChildStartedTrace extends TraceBase {
  /** The trace event's tag. */
  readonly type: 'child_started';
  /** The child spec id; `undefined` for `simple_one_for_one` children, as in OTP. */
  readonly childId: ChildId | undefined;
  /** The new process. */
  readonly pid: Pid;
}

/** A supervisor restarted a child automatically (the failed child or a sibling of a group). */
export interface ChildRestartedTrace extends TraceBase {
  /** The trace event's tag. */
  readonly type: 'child_restarted';
  /** The child spec id (`undefined` for `simple_one_for_one` children). */
  readonly childId: ChildId | undefined;
  /** The new process. */
  readonly pid: Pid;
  /** The process it replaces, when there was one. */
  readonly previousPid: Pid | undefined;
}

/** A child's start function threw, or its logic errored while starting. */
export interface ChildStartFailedTrace extends TraceBase {
  /** The trace event's tag. */
  readonly type: 'child_start_failed';
  /** The child spec id (`undefined` for `simple_one_for_one` children). */
  readonly childId: ChildId | undefined;
  /** What the start threw, or the error the logic failed with. */
  readonly reason: Error;
}

/** A child exited on its own (or was killed by someone other than its supervisor). */
export interface ChildExitedTrace extends TraceBase {
  /** The trace event's tag. */
  readonly type: 'child_exited';
  /** The child spec id (`undefined` for `simple_one_for_one` children). */
  readonly childId: ChildId | undefined;
  /** The process that exited. */
  readonly pid: Pid;
  /** Its exit reason. */
  readonly reason: ExitReason;
  /** The logic's output when `reason` is `'normal'` (a `fromPromise` result, a machine's output). */
  readonly output: unknown;
}

/** The supervisor stopped a child: `terminateChild`, a group restart, or its own shutdown. */
export interface ChildTerminatedTrace extends TraceBase {
  /** The trace event's tag. */
  readonly type: 'child_terminated';
  /** The child spec id (`undefined` for `simple_one_for_one` children). */
  readonly childId: ChildId | undefined;
  /** The process stopped. */
  readonly pid: Pid;
  /** How the child actually ended (`'shutdown'`, `'killed'`, or what it exited with first). */
  readonly reason: ExitReason;
}

/** Restart intensity was exceeded; the supervisor now terminates its children and exits. */
export interface SupervisorGaveUpTrace extends TraceBase {
  /** The trace event's tag. */
  readonly type: 'supervisor_gave_up';
  /** The child whose restart exceeded the intensity. */
  readonly childId: ChildId | undefined;
  /** That child's exit (or start failure) reason. */
  readonly reason: ExitReason;
}

/**
 * The supervisor exits with `reason`: after terminating its children when it shuts down; at
 * once when it is killed or crashes, its children dying afterwards through their links.
 */
export interface SupervisorStoppedTrace extends TraceBase {
  /** The trace event's tag. */
  readonly type: 'supervisor_stopped';
  /** The supervisor's exit reason. */
  readonly reason: ExitReason;
}

/** Everything a supervisor reports through the trace hook, in the order it happens. */
export type TraceEvent =
  | ChildStartedTrace
  | ChildRestartedTrace
  | ChildStartFailedTrace
  | ChildExitedTrace
  | ChildTerminatedTrace
  | SupervisorGaveUpTrace
  | SupervisorStoppedTrace;

/** Receives trace events synchronously, as they happen. It must not throw. */
export type TraceHook = (event: TraceEvent) => void;

/** True for the reasons OTP treats as a deliberate stop: `'normal'` and `'shutdown'`. */
export function isNormalExit(reason: ExitReason): boolean {
  return reason === 'normal' || reason === 'shutdown';
}

/** Turns anything thrown into an exit reason (`Error`s are kept as they are). */
export function toExitError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : 'non-Error value thrown', { cause: thrown });
}
