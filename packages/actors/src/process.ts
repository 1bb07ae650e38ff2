/**
 * Processes: links, monitors, exit signals and exits, shared by XState-backed actors and
 * supervisors. Semantics follow `erlang:link/1`, `erlang:monitor/2` and `erlang:exit/2`.
 */

import type { Clock } from './clock.js';
import { NoProcError } from './errors.js';
import type { DownMessage, ExitReason, MonitorRef, Pid, TraceEvent } from './types.js';

/**
 * Who sent an exit signal: a linked process; the pid passed to `link` when no process has it
 * (the `'noproc'` signal); or `undefined` for a signal from outside any process.
 * @internal
 */
export type ExitSender = Process | Pid | undefined;

/** Who is told when a monitored process goes down: a process (as a message) or a callback. */
export type Watcher = Process | ((message: DownMessage) => void);

/**
 * What processes need from their actor system. Internal: apps use `ActorSystem`.
 * @internal
 */
export interface Kernel {
  readonly clock: Clock;
  /** Clock time that never goes backwards, for restart intensity. */
  monotonicNow(): number;
  /** Runs `task` later, in order, outside any caller's stack (one microtask drains the queue). */
  post(task: () => void): void;
  newPid(): Pid;
  newRef(): MonitorRef;
  track(process: Process): void;
  untrack(process: Process): void;
  /** Makes a process whose supervisor died a top-level one, so shutdown still stops it. */
  adoptOrphan(process: Process): void;
  lookup(pid: Pid): Process | undefined;
  trace(event: TraceEvent): void;
  /** Whether a system-wide trace hook is installed. */
  readonly tracing: boolean;
}

/**
 * A running (or exited) process: an XState actor ({@link ActorProcess}), a plain body
 * ({@link TaskProcess}) or a supervisor.
 * Its `pid` is unique; a restarted child is a new process with a new pid.
 */
export abstract class Process {
  /** This process's id, unique in its system. */
  readonly pid: Pid;
  /** @internal */
  readonly _kernel: Kernel;
  /** @internal Linked processes: none, one, or a set. */
  _links: Process | Set<Process> | undefined = undefined;
  /** @internal Monitors on this process: ref → who to tell; one alone is kept without a Map. */
  _monitors: Map<MonitorRef, Watcher> | SoleMonitor | undefined = undefined;
  /** @internal Monitors this process holds: ref → monitored process (`undefined`: it was already gone). */
  _watching: Map<MonitorRef, Process | undefined> | undefined = undefined;
  /** @internal */
  _trap = false;
  /** @internal `undefined` while alive. */
  _reason: ExitReason | undefined = undefined;
  /** @internal Called once, synchronously, when the process exits. */
  _exitHooks: ((reason: ExitReason) => void)[] | undefined = undefined;
  /** @internal The supervisor that owns this process as a child, if any. */
  _owner: Process | undefined = undefined;
  /** @internal The owner's record of this child. */
  _record: unknown = undefined;

  /** @internal */
  constructor(kernel: Kernel) {
    this._kernel = kernel;
    this.pid = kernel.newPid();
  }

  /**
   * `'actor'` for an XState-backed process ({@link ActorProcess}), `'task'` for one running a
   * plain body ({@link TaskProcess}), `'supervisor'` for a supervisor.
   */
  abstract get kind(): 'actor' | 'task' | 'supervisor';

  /** Delivers an event to the process's mailbox; dropped silently if it has exited (as in Erlang). */
  abstract send(event: { type: string }): void;

  /** True until the process exits. */
  get alive(): boolean {
    return this._reason === undefined;
  }

  /** The exit reason once the process has exited; `undefined` while alive. */
  get exitReason(): ExitReason | undefined {
    return this._reason;
  }

  /** Resolves with the exit reason when the process exits (at once if it already has). Never rejects. */
  get exited(): Promise<ExitReason> {
    const reason = this._reason;
    if (reason !== undefined) return Promise.resolve(reason);
    return new Promise((resolve) => this._onExit(resolve));
  }

  /**
   * Links this process with `other`, both ways. When either exits abnormally the other receives
   * an exit signal. Linking to a process that is gone sends this process an exit signal with
   * reason `'noproc'` from `other` (a trapping process gets
   * `{ type: 'EXIT', from: pid, reason: 'noproc' }`). Linking twice, or to itself, does nothing.
   */
  link(other: Process | Pid): void {
    this._assertAlive();
    const target = this._resolve(other);
    if (target === this) return;
    if (target === undefined || !target.alive) {
      // As erlang:link/1: the noproc signal's sender is what was passed to link, a pid with no
      // process behind it included, so a trapping caller learns which link failed.
      const sender = target ?? other;
      this._kernel.post(() => this._signal(sender, 'noproc', false));
      return;
    }
    addLink(this, target);
    addLink(target, this);
  }

  /** Removes the link with `other`, if any. After it returns no exit signal from that link arrives. */
  unlink(other: Process | Pid): void {
    const target = this._resolve(other);
    if (target === undefined) return;
    removeLink(this, target);
    removeLink(target, this);
  }

  /**
   * Monitors `other`: when it exits, this process receives exactly one `DOWN` message
   * ({@link DownMessage}). If `other` is already gone, the `DOWN` carries reason `'noproc'`.
   */
  monitor(other: Process | Pid): MonitorRef {
    this._assertAlive();
    return addMonitor(this._kernel, this, this._resolve(other), other);
  }

  /** Removes a monitor set by {@link Process.monitor}; no `DOWN` for it arrives afterwards. Returns whether it was active. */
  demonitor(ref: MonitorRef): boolean {
    const watching = this._watching;
    if (watching === undefined || !watching.has(ref)) return false;
    const target = watching.get(ref);
    watching.delete(ref);
    if (target) removeMonitor(target, ref);
    return true;
  }

  /**
   * Sets whether exit signals become `EXIT` messages ({@link ExitMessage}) instead of
   * killing this process (`process_flag(trap_exit, Flag)`); returns the previous setting.
   * Without an argument, just returns the setting. `'kill'` sent by {@link Process.exit} is
   * never trapped.
   */
  trapExit(flag?: boolean): boolean {
    const previous = this._trap;
    if (flag !== undefined) this._trap = flag;
    return previous;
  }

  /**
   * Sends this process an exit signal from outside any process, as `erlang:exit(Pid, Reason)`:
   * `'kill'` kills it (reason `'killed'`), untrappable; otherwise, if it traps exits it receives
   * an `EXIT` message; if not, `'normal'` is ignored and any other reason kills it with that
   * reason. A supervisor treats such a signal as a stop request from its parent. Asynchronous:
   * await {@link Process.exited} to see the effect.
   */
  exit(reason: ExitReason): void {
    this._kernel.post(() => this._signal(undefined, reason, reason === 'kill'));
  }

  /** @internal Registers a callback for the exit; called synchronously when it happens. */
  _onExit(hook: (reason: ExitReason) => void): void {
    if (this._reason !== undefined) {
      hook(this._reason);
      return;
    }
    if (this._exitHooks === undefined) this._exitHooks = [hook];
    else this._exitHooks.push(hook);
  }

  /** @internal An exit signal arrives from `from` (see {@link ExitSender}). */
  _signal(from: ExitSender, reason: ExitReason, untrappable: boolean): void {
    if (this._reason !== undefined) return;
    if (untrappable) this._terminate('killed');
    else if (this._trap) this._receiveExit(from, reason);
    else if (reason !== 'normal') this._terminate(reason);
  }

  /** @internal What a normal exit hands its monitors (an actor's logic output, a task's body value; nothing for a supervisor). */
  _output(): unknown {
    return undefined;
  }

  /** @internal A trapped exit signal, as a message. */
  abstract _receiveExit(from: ExitSender, reason: ExitReason): void;

  /** @internal A DOWN message for a monitor this process holds. */
  abstract _receiveDown(message: DownMessage): void;

  /** @internal Stops the process now with `reason` (its logic gets no say). */
  abstract _terminate(reason: ExitReason): void;

  /**
   * @internal Marks the process exited and tells its exit hooks now; links and monitors are
   * told from the system queue, so no one is re-entered from inside a caller's stack.
   */
  _exitWith(reason: ExitReason): void {
    if (this._reason !== undefined) return;
    this._reason = reason;
    this._kernel.untrack(this);
    const hooks = this._exitHooks;
    if (hooks !== undefined) {
      this._exitHooks = undefined;
      for (const hook of hooks) hook(reason);
    }
    if (this._links !== undefined || this._monitors !== undefined || this._watching !== undefined) {
      this._kernel.post(() => this._propagate(reason));
    }
  }

  /** @internal Sends the exit to links and monitors (whatever is still in place). */
  _propagate(reason: ExitReason): void {
    const links = this._links;
    this._links = undefined;
    if (links instanceof Process) {
      removeLink(links, this);
      links._signal(this, reason, false);
    } else if (links !== undefined) {
      for (const other of links) {
        removeLink(other, this);
        other._signal(this, reason, false);
      }
    }
    const held = this._monitors;
    this._monitors = undefined;
    const monitors =
      held instanceof Map ? held : held === undefined ? undefined : [[held.ref, held.watcher] as const];
    if (monitors !== undefined) {
      const output = reason === 'normal' ? this._output() : undefined;
      for (const [ref, watcher] of monitors) {
        deliverDown(
          watcher,
          output === undefined
            ? { type: 'DOWN', ref, pid: this.pid, reason }
            : { type: 'DOWN', ref, pid: this.pid, reason, output },
        );
      }
    }
    const watching = this._watching;
    this._watching = undefined;
    if (watching !== undefined) {
      for (const [ref, target] of watching) if (target) removeMonitor(target, ref);
    }
  }

  /** @internal */
  _resolve(other: Process | Pid): Process | undefined {
    return typeof other === 'string' ? this._kernel.lookup(other) : other;
  }

  /** @internal */
  _assertAlive(): void {
    if (this._reason !== undefined) throw new NoProcError(this.pid);
  }
}

/** @internal A process's only monitor: most processes have one at most, and a Map costs more. */
export interface SoleMonitor {
  readonly ref: MonitorRef;
  readonly watcher: Watcher;
}

/** @internal Removes monitor `ref` from `target`, if it is there. */
export function removeMonitor(target: Process, ref: MonitorRef): void {
  const held = target._monitors;
  if (held instanceof Map) held.delete(ref);
  else if (held?.ref === ref) target._monitors = undefined;
}

/** @internal */
export function addLink(from: Process, to: Process): void {
  const links = from._links;
  if (links === undefined) from._links = to;
  else if (links instanceof Process) {
    if (links !== to) from._links = new Set([links, to]);
  } else links.add(to);
}

/** @internal */
export function removeLink(from: Process, to: Process): void {
  const links = from._links;
  if (links === to) from._links = undefined;
  else if (links instanceof Set) {
    links.delete(to);
    if (links.size === 0) from._links = undefined;
  }
}

/** @internal Sets a monitor from `watcher` on `target` (or reports `noproc` at once). */
export function addMonitor(
  kernel: Kernel,
  watcher: Watcher,
  target: Process | undefined,
  addressed: Process | Pid,
): MonitorRef {
  const ref = kernel.newRef();
  const gone = target === undefined || !target.alive;
  if (watcher instanceof Process) {
    if (watcher._watching === undefined) watcher._watching = new Map();
    watcher._watching.set(ref, gone ? undefined : target);
  }
  if (gone) {
    const pid = typeof addressed === 'string' ? addressed : addressed.pid;
    kernel.post(() => deliverDown(watcher, { type: 'DOWN', ref, pid, reason: 'noproc' }));
    return ref;
  }
  const held = target._monitors;
  if (held === undefined) target._monitors = { ref, watcher };
  else if (held instanceof Map) held.set(ref, watcher);
  else
    target._monitors = new Map([
      [held.ref, held.watcher],
      [ref, watcher],
    ]);
  return ref;
}

/** Delivers a DOWN unless the monitor was removed first. */
function deliverDown(watcher: Watcher, message: DownMessage): void {
  if (watcher instanceof Process) {
    if (watcher._watching === undefined || !watcher._watching.delete(message.ref)) return;
    if (watcher.alive) watcher._receiveDown(message);
  } else {
    watcher(message);
  }
}
