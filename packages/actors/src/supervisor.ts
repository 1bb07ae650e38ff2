/**
 * The supervisor: a process that starts children, traps their exits and restarts them by
 * its strategy, within its restart intensity. A direct reading of OTP 25's `supervisor.erl`:
 * every request and every child exit is a message, handled one at a time, in arrival order.
 */

import type { AnyActorLogic } from 'xstate';
import { ActorProcess } from './actor-process.js';
import {
  type ChildSpec,
  type NormalizedChildSpec,
  type NormalizedSupervisorSpec,
  normalizeChildSpec,
  normalizeSupervisorSpec,
  type Strategy,
  SupervisorStart,
  TaskStart,
} from './child-spec.js';
import { type ChildCounts, type ChildInfo, type ChildRecord, ChildTable, newRecord } from './child-table.js';
import { NoProcError, SupervisorError } from './errors.js';
import { addLink, type ExitSender, type Kernel, Process, removeLink } from './process.js';
import { type RestartLog, recordRestart } from './restart-intensity.js';
import { TaskProcess } from './task-process.js';
import type { ChildId, DownMessage, ExitReason, Pid, TraceEvent } from './types.js';
import { isNormalExit, toExitError } from './types.js';

/**
 * A caller's request, answered through `resolve`/`reject` (set when its promise is made). A start
 * of a dynamic child is a kind of its own, carrying its arguments: no closure per start.
 */
type Request = (
  | { readonly kind: 'call'; readonly run: () => Promise<unknown> | unknown }
  | { readonly kind: 'startChild'; readonly args: readonly unknown[] }
) & { resolve: (value: unknown) => void; reject: (error: unknown) => void };

type Message =
  | { readonly kind: 'init'; readonly resolve: () => void; readonly reject: (error: unknown) => void }
  | { readonly kind: 'exit'; readonly from: ExitSender; readonly reason: ExitReason }
  | { readonly kind: 'retry'; readonly record: ChildRecord }
  | Request;

/** What a request answers with until its promise is made (at once, in `request`). */
const UNANSWERED = (): void => undefined;

/**
 * A supervisor process. Obtain one from `system.startSupervisor(spec)`, or as a child whose
 * spec's `start` returns `supervisor(spec)`.
 *
 * Calls that change children return promises: they are queued behind the exits and calls the
 * supervisor is already handling, like OTP's synchronous calls. Reads (`whichChildren`,
 * `countChildren`, `getChild`) answer at once from the state as of the last message handled.
 * Once the supervisor has exited every call throws (or rejects with) {@link NoProcError}.
 */
export class Supervisor extends Process {
  /** The spec's `id`, if given. */
  readonly id: string | undefined;
  /** The restart strategy. */
  readonly strategy: Strategy;
  /** Maximum automatic restarts within {@link Supervisor.period}. */
  readonly intensity: number;
  /** In ms. */
  readonly period: number;
  /** @internal The process whose exit signal stops this supervisor; `undefined` for a top-level one. */
  readonly _parent: Process | undefined;
  private readonly spec: NormalizedSupervisorSpec;
  private readonly children: ChildTable;
  private restartLog: RestartLog = [];
  private readonly inbox: Message[] = [];
  /** Requests posted to the kernel and not yet delivered, oldest first (see `request`). */
  private readonly posted: Request[] = [];
  private busy = false;
  /** Kills of children in the middle of a timed shutdown, to run if this supervisor is killed. */
  private readonly pendingStops = new Set<() => void>();

  /** @internal */
  constructor(kernel: Kernel, spec: NormalizedSupervisorSpec, parent: Process | undefined) {
    super(kernel);
    this._trap = true;
    this.spec = spec;
    this.children = new ChildTable(spec.strategy === 'simple_one_for_one');
    this.id = spec.id;
    this.strategy = spec.strategy;
    this.intensity = spec.intensity;
    this.period = spec.period;
    this._parent = parent;
  }

  /** Always `'supervisor'`. */
  get kind(): 'supervisor' {
    return 'supervisor';
  }

  /** Supervisors take no events; sends are dropped (OTP logs them as unexpected). */
  send(_event: { type: string }): void {}

  /**
   * Starts a child, as `supervisor:start_child/2`, and resolves with its process.
   * With a child spec for `one_for_one`, `one_for_all` and `rest_for_one`: the child is added
   * after the existing ones (it starts last and is stopped first). For `simple_one_for_one`,
   * pass the extra arguments for the template's `start`.
   * Rejects with {@link SupervisorError}: `already_started`, `already_present`, `start_failed`,
   * `invalid_child_spec`.
   */
  startChild(spec: ChildSpec): Promise<Process>;
  /** For `simple_one_for_one`: starts a child from the template, passing `args` to its `start`. */
  startChild(...args: readonly unknown[]): Promise<Process>;
  startChild(...args: readonly unknown[]): Promise<Process> {
    return this.request({ kind: 'startChild', args, resolve: UNANSWERED, reject: UNANSWERED });
  }

  /**
   * Stops a running child, as `supervisor:terminate_child/2`, honouring its `shutdown`.
   * A stopped child keeps its spec (a temporary child is removed); stopping one that is not
   * running is fine. For `simple_one_for_one` pass the child's pid (or process); the child is
   * removed. Rejects with `not_found` for an unknown child.
   */
  terminateChild(idOrPid: ChildId | Pid | Process): Promise<void> {
    return this.call(() => this.doTerminateChild(idOrPid));
  }

  /**
   * Starts a stopped child again from its spec, as `supervisor:restart_child/2`; does not
   * count toward the restart intensity. Rejects with `running`, `restarting`, `not_found`,
   * `start_failed`, or `simple_one_for_one`.
   */
  restartChild(id: ChildId): Promise<Process> {
    return this.call(() => this.doRestartChild(id));
  }

  /**
   * Removes a stopped child's spec, as `supervisor:delete_child/2`. Rejects with `running`,
   * `restarting`, `not_found`, or `simple_one_for_one`.
   */
  deleteChild(id: ChildId): Promise<void> {
    return this.call(() => this.doDeleteChild(id));
  }

  /** Every child in start order, as `supervisor:which_children/1` (but oldest first). */
  whichChildren(): ChildInfo[] {
    this._assertAlive();
    return this.children.info();
  }

  /** Counts, as `supervisor:count_children/1`. */
  countChildren(): ChildCounts {
    this._assertAlive();
    return this.children.counts();
  }

  /**
   * The running process of child `id` (for `simple_one_for_one`, of the child with that pid),
   * or `undefined` when there is no such child or it is not running.
   */
  getChild(idOrPid: ChildId | Pid): Process | undefined {
    this._assertAlive();
    return this.findRecord(idOrPid)?.proc;
  }

  /**
   * Stops the supervisor as its parent would: terminates its children in reverse start order
   * (each by its `shutdown`), then exits with `reason`. Resolves when it has exited.
   */
  async stop(reason: ExitReason = 'shutdown'): Promise<void> {
    this._assertAlive();
    this._kernel.post(() => this._receiveExit(undefined, reason));
    await this.exited;
  }

  // ---------------------------------------------------------------------------------------
  // Process plumbing

  /** @internal */
  _receiveExit(from: ExitSender, reason: ExitReason): void {
    this.deliver({ kind: 'exit', from, reason });
  }

  /** @internal Supervisors hold no monitors of their own. */
  _receiveDown(_message: DownMessage): void {}

  /** @internal Killed or crashed: exit now; the links take the children down. */
  _terminate(reason: ExitReason): void {
    if (this._reason !== undefined) return;
    this.trace({ type: 'supervisor_stopped', at: this._kernel.clock.now(), supervisor: this.pid, reason });
    const orphans: Process[] = [];
    for (const record of this.children.all()) if (record.proc !== undefined) orphans.push(record.proc);
    this.exitNow(reason);
    this._kernel.post(() => {
      for (const child of orphans) {
        removeLink(child, this);
        child._owner = undefined;
        child._signal(this, reason, false);
        // A child that traps exits outlives us; the system still stops it at shutdown.
        if (child.alive) this._kernel.adoptOrphan(child);
      }
    });
  }

  /** @internal Starts the static children; rejects (and exits) if one fails to start. */
  _init(): Promise<void> {
    this._kernel.track(this);
    return new Promise((resolve, reject) => this.deliver({ kind: 'init', resolve, reject }));
  }

  private call<T>(run: () => Promise<T> | T | undefined): Promise<T> {
    return this.request({ kind: 'call', run, resolve: UNANSWERED, reject: UNANSWERED });
  }

  /**
   * Posts a request, delivered outside the caller's stack behind what the kernel already holds,
   * as OTP's calls are queued. The kernel runs its tasks in order, once each, so each run of
   * `deliverPosted` (one function per supervisor, not a closure per request) takes the oldest.
   */
  private request<T>(message: Request): Promise<T> {
    if (this._reason !== undefined) return Promise.reject(new NoProcError(this.pid));
    const answer = new Promise<T>((resolve, reject) => {
      message.resolve = resolve as (value: unknown) => void;
      message.reject = reject;
    });
    this.posted.push(message);
    this._kernel.post(this.deliverPosted);
    return answer;
  }

  private readonly deliverPosted = (): void => {
    this.deliver(this.posted.shift() as Request);
  };

  private deliver(message: Message): void {
    if (this._reason !== undefined) {
      refuse(message, this.pid);
      return;
    }
    this.inbox.push(message);
    if (!this.busy) void this.run();
  }

  /** Handles messages in order; stays busy (queueing new ones) while one completes asynchronously. */
  private run(): void {
    this.busy = true;
    for (;;) {
      if (this._reason !== undefined) break;
      const message = this.inbox.shift();
      if (message === undefined) break;
      let pending: Promise<void> | undefined;
      try {
        pending = this.handle(message);
      } catch (err) {
        this.crash(err);
        break;
      }
      if (pending !== undefined) {
        pending.then(
          () => this.run(),
          (err: unknown) => {
            this.crash(err);
            this.busy = false;
          },
        );
        return;
      }
    }
    this.busy = false;
    if (this._reason !== undefined) {
      for (const message of this.inbox.splice(0)) refuse(message, this.pid);
    }
  }

  /** A bug in the supervisor itself: it crashes, and its links take the children down. */
  private crash(err: unknown): void {
    this._terminate(toExitError(err));
    for (const message of this.inbox.splice(0)) refuse(message, this.pid);
  }

  private handle(message: Message): Promise<void> | undefined {
    switch (message.kind) {
      case 'init':
        return this.startStaticChildren().then(message.resolve, message.reject);
      case 'call':
      case 'startChild': {
        let answer: unknown;
        try {
          answer = message.kind === 'call' ? message.run() : this.doStartChild(message.args);
        } catch (err) {
          message.reject(err);
          return undefined;
        }
        if (answer instanceof Promise) return answer.then(message.resolve, message.reject);
        message.resolve(answer);
        return undefined;
      }
      case 'exit':
        return this.handleExit(message.from, message.reason);
      case 'retry':
        return this.retry(message.record);
    }
  }

  /** True when someone listens to traces (so events need not be built otherwise). */
  private get tracing(): boolean {
    return this.spec.onTrace !== undefined || this._kernel.tracing;
  }

  private trace(event: TraceEvent): void {
    this._kernel.trace(event);
    this.spec.onTrace?.(event);
  }

  private now(): number {
    return this._kernel.clock.now();
  }

  private exitNow(reason: ExitReason): void {
    for (const stop of this.pendingStops) stop();
    this.pendingStops.clear();
    this._exitWith(reason);
  }

  // ---------------------------------------------------------------------------------------
  // Starting

  private async startStaticChildren(): Promise<void> {
    for (const spec of this.spec.strategy === 'simple_one_for_one' ? [] : this.spec.children) {
      const record = newRecord(spec);
      this.children.add(record);
      try {
        this.attach(record, await this.startProcess(record));
      } catch (err) {
        if (this._reason !== undefined) throw err;
        const reason = toExitError(err);
        this.children.remove(record);
        this.trace({
          type: 'child_start_failed',
          at: this.now(),
          supervisor: this.pid,
          childId: spec.id,
          reason,
        });
        await this.terminateAll();
        const error = new SupervisorError('failed_to_start_child', { childId: spec.id, cause: reason });
        this.trace({ type: 'supervisor_stopped', at: this.now(), supervisor: this.pid, reason: error });
        this.exitNow(error);
        throw error;
      }
      this.trace({
        type: 'child_started',
        at: this.now(),
        supervisor: this.pid,
        childId: spec.id,
        pid: record.proc!.pid,
      });
    }
  }

  /** Runs a child's start function and starts what it returns, linked to this supervisor. */
  private startProcess(record: ChildRecord): Process | Promise<Process> {
    const started = record.spec.start(...record.args);
    if (started instanceof SupervisorStart) return this.startSupervisorChild(record, started);
    if (started instanceof TaskStart) return this.startTaskChild(record, started);
    const child =
      'logic' in started && !('transition' in started)
        ? new ActorProcess(this._kernel, started.logic, started.input, started.trapExit ?? false)
        : new ActorProcess(this._kernel, started as AnyActorLogic, undefined, false);
    this.adopt(child, record);
    child._start();
    const snapshot = child.actor.getSnapshot() as { status: string; error?: unknown };
    if (snapshot.status === 'error') {
      this.disown(child);
      throw toExitError(snapshot.error);
    }
    return child;
  }

  private startTaskChild(record: ChildRecord, started: TaskStart<unknown, never>): Process {
    const child = new TaskProcess(this._kernel, started.spec, started.spec.trapExit ?? false);
    this.adopt(child, record);
    const failure = child._start();
    if (failure !== undefined) {
      this.disown(child);
      throw failure;
    }
    return child;
  }

  private async startSupervisorChild(record: ChildRecord, started: SupervisorStart): Promise<Process> {
    const child = new Supervisor(this._kernel, normalizeSupervisorSpec(started.spec), this);
    this.adopt(child, record);
    try {
      await child._init();
    } catch (err) {
      this.disown(child);
      throw err;
    }
    if (this._reason !== undefined) throw new NoProcError(this.pid);
    return child;
  }

  private adopt(child: Process, record: ChildRecord): void {
    child._owner = this;
    child._record = record;
    addLink(child, this);
  }

  private disown(child: Process): void {
    removeLink(child, this);
  }

  private attach(record: ChildRecord, proc: Process): void {
    record.proc = proc;
    record.lastPid = proc.pid;
    record.restarting = false;
    record.failure = undefined;
  }

  // ---------------------------------------------------------------------------------------
  // Exits

  private handleExit(from: ExitSender, reason: ExitReason): Promise<void> | undefined {
    if (from === undefined || from === this._parent) return this.shutdown(reason);
    // A bare pid is the noproc of a link to a process that no longer exists: never our child
    // nor our parent, so, like any unknown EXIT, it is ignored.
    if (typeof from === 'string') return undefined;
    const record = from._owner === this ? (from._record as ChildRecord) : undefined;
    // An exit from a process that is no longer our child (already replaced or terminated)
    // was flushed by OTP's unlink; ignore it, as OTP ignores unknown EXITs.
    if (record === undefined || record.proc !== from) return undefined;
    if (this.tracing) {
      this.trace({
        type: 'child_exited',
        at: this.now(),
        supervisor: this.pid,
        childId: this.children.childIdOf(record),
        pid: from.pid,
        reason,
        output: reason === 'normal' ? from._output() : undefined,
      });
    }
    record.proc = undefined;
    const restart = record.spec.restart;
    if (restart === 'permanent' || (restart === 'transient' && !isNormalExit(reason))) {
      return this.restart(record, reason);
    }
    this.forget(record);
    return undefined;
  }

  /** OTP's `del_child`: a temporary (or dynamic) child goes, others stay as stopped specs. */
  private forget(record: ChildRecord): void {
    record.proc = undefined;
    record.restarting = false;
    if (this.strategy === 'simple_one_for_one' || record.spec.restart === 'temporary') {
      this.children.remove(record);
    }
  }

  /** An automatic restart: counts toward intensity, then applies the strategy. */
  private restart(record: ChildRecord, reason: ExitReason): Promise<void> | undefined {
    const verdict = recordRestart(this.restartLog, this._kernel.monotonicNow(), this.intensity, this.period);
    this.restartLog = verdict.log;
    if (verdict.exceeded) {
      this.trace({
        type: 'supervisor_gave_up',
        at: this.now(),
        supervisor: this.pid,
        childId: this.children.childIdOf(record),
        reason,
      });
      return this.shutdown('shutdown');
    }
    switch (this.strategy) {
      case 'one_for_one':
      case 'simple_one_for_one':
        return this.restartOne(record);
      case 'one_for_all':
        return this.restartGroup(this.children.all());
      case 'rest_for_one':
        return this.restartGroup(this.children.from(record));
    }
  }

  private retry(record: ChildRecord): Promise<void> | undefined {
    if (!record.restarting || !this.children.holds(record)) return undefined;
    return this.restart(record, record.failure ?? 'noproc');
  }

  private restartOne(record: ChildRecord): Promise<void> | undefined {
    const previousPid = record.lastPid;
    let started: Process | Promise<Process>;
    try {
      started = this.startProcess(record);
    } catch (err) {
      this.startFailedRetryLater(record, err);
      return undefined;
    }
    if (started instanceof Promise) {
      return started.then(
        (proc) => this.restarted(record, proc, previousPid),
        (err: unknown) => this.startFailedRetryLater(record, err),
      );
    }
    this.restarted(record, started, previousPid);
    return undefined;
  }

  private restarted(record: ChildRecord, proc: Process, previousPid: Pid | undefined): void {
    this.attach(record, proc);
    if (this.tracing) {
      this.trace({
        type: 'child_restarted',
        at: this.now(),
        supervisor: this.pid,
        childId: this.children.childIdOf(record),
        pid: proc.pid,
        previousPid,
      });
    }
  }

  /** Terminates `group` in reverse start order, then starts it again in start order. */
  private async restartGroup(group: readonly ChildRecord[]): Promise<void> {
    for (let i = group.length - 1; i >= 0; i--) {
      const record = group[i]!;
      if (record.proc !== undefined) await this.terminateRecord(record);
      record.restarting = false;
      if (record.spec.restart === 'temporary') this.children.remove(record);
    }
    for (const record of group) {
      if (!this.children.holds(record)) continue;
      const previousPid = record.lastPid;
      try {
        this.attach(record, await this.startProcess(record));
      } catch (err) {
        this.startFailedRetryLater(record, err);
        return;
      }
      this.trace({
        type: 'child_restarted',
        at: this.now(),
        supervisor: this.pid,
        childId: this.children.childIdOf(record),
        pid: record.proc!.pid,
        previousPid,
      });
    }
  }

  /** OTP's `try_again_restart`: mark the child restarting and retry from the back of the inbox. */
  private startFailedRetryLater(record: ChildRecord, err: unknown): void {
    record.proc = undefined;
    record.restarting = true;
    record.failure = toExitError(err);
    this.trace({
      type: 'child_start_failed',
      at: this.now(),
      supervisor: this.pid,
      childId: this.children.childIdOf(record),
      reason: record.failure,
    });
    // Like OTP's cast to itself: behind every message already sent to this supervisor.
    this._kernel.post(() => this.deliver({ kind: 'retry', record }));
  }

  // ---------------------------------------------------------------------------------------
  // Stopping

  /** Terminates all children (reverse start order), then exits with `reason`. */
  private async shutdown(reason: ExitReason): Promise<void> {
    await this.terminateAll();
    if (this._reason !== undefined) return;
    this.trace({ type: 'supervisor_stopped', at: this.now(), supervisor: this.pid, reason });
    this.exitNow(reason);
  }

  private async terminateAll(): Promise<void> {
    const records = this.children.all().reverse();
    if (this.strategy === 'simple_one_for_one') {
      // OTP stops dynamic children all at once, under one shutdown time.
      await Promise.all(
        records.map((record) => (record.proc === undefined ? undefined : this.terminateRecord(record))),
      );
    } else {
      for (const record of records) {
        if (record.proc !== undefined) await this.terminateRecord(record);
      }
    }
  }

  /** Stops a running child by its shutdown spec and reports it; OTP's `shutdown/2`. */
  private terminateRecord(record: ChildRecord): Promise<void> | undefined {
    const proc = record.proc!;
    record.proc = undefined;
    // Unlink first: the exit we cause must not come back as an EXIT to handle.
    this.disown(proc);
    const stopped = this.stopProcess(proc, record.spec.shutdown);
    if (stopped instanceof Promise) return stopped.then((reason) => this.terminated(record, proc, reason));
    this.terminated(record, proc, stopped);
    return undefined;
  }

  private terminated(record: ChildRecord, proc: Process, reason: ExitReason): void {
    if (!this.tracing) return;
    this.trace({
      type: 'child_terminated',
      at: this.now(),
      supervisor: this.pid,
      childId: this.children.childIdOf(record),
      pid: proc.pid,
      reason,
    });
  }

  private stopProcess(
    proc: Process,
    shutdown: NormalizedChildSpec['shutdown'],
  ): ExitReason | Promise<ExitReason> {
    if (proc._reason !== undefined) return proc._reason;
    if (shutdown === 'brutal_kill') {
      proc._signal(this, 'kill', true);
      return proc._reason ?? 'killed';
    }
    proc._signal(this, 'shutdown', false);
    if (proc._reason !== undefined) return proc._reason;
    const clock = this._kernel.clock;
    return new Promise<ExitReason>((resolve) => {
      let timer: unknown;
      const kill = (): void => {
        timer = undefined;
        proc._signal(this, 'kill', true);
      };
      this.pendingStops.add(kill);
      proc._onExit((reason) => {
        this.pendingStops.delete(kill);
        if (timer !== undefined) clock.clearTimeout(timer);
        resolve(reason);
      });
      if (shutdown !== 'infinity') timer = clock.setTimeout(kill, shutdown);
    });
  }

  // ---------------------------------------------------------------------------------------
  // Calls

  private doStartChild(args: readonly unknown[]): Process | Promise<Process> {
    let record: ChildRecord;
    if (this.strategy === 'simple_one_for_one') {
      record = newRecord(this.spec.children[0]!, args);
    } else {
      const spec = normalizeChildSpec(args[0] as ChildSpec);
      const existing = this.children.byId(spec.id);
      if (existing !== undefined) {
        if (existing.proc !== undefined) {
          throw new SupervisorError('already_started', { childId: spec.id, pid: existing.proc.pid });
        }
        throw new SupervisorError('already_present', { childId: spec.id });
      }
      record = newRecord(spec);
    }
    return this.startAndAdd(record);
  }

  /** Starts the record's process and, once it runs, adds it; a failure is `start_failed`. */
  private startAndAdd(record: ChildRecord): Process | Promise<Process> {
    let started: Process | Promise<Process>;
    try {
      started = this.startProcess(record);
    } catch (err) {
      throw this.startFailed(record, err);
    }
    if (started instanceof Promise) {
      return started.then(
        (proc) => this.added(record, proc),
        (err: unknown) => {
          throw this.startFailed(record, err);
        },
      );
    }
    return this.added(record, started);
  }

  private added(record: ChildRecord, proc: Process): Process {
    this.attach(record, proc);
    this.children.add(record);
    if (this.tracing) {
      const childId = this.children.childIdOf(record);
      this.trace({ type: 'child_started', at: this.now(), supervisor: this.pid, childId, pid: proc.pid });
    }
    return proc;
  }

  private startFailed(record: ChildRecord, err: unknown): SupervisorError {
    return new SupervisorError('start_failed', {
      childId: this.children.childIdOf(record),
      cause: toExitError(err),
    });
  }

  private doTerminateChild(idOrPid: ChildId | Pid | Process): Promise<void> | undefined {
    const isPid = idOrPid instanceof Process || isPidLike(idOrPid);
    // OTP: simple_one_for_one children are addressed by pid only.
    if (this.strategy === 'simple_one_for_one' && !isPid) throw new SupervisorError('simple_one_for_one');
    const record = this.findRecord(idOrPid instanceof Process ? idOrPid.pid : idOrPid);
    if (record === undefined) {
      throw new SupervisorError('not_found', { childId: typeof idOrPid === 'string' ? idOrPid : undefined });
    }
    const stopping = record.proc === undefined ? undefined : this.terminateRecord(record);
    if (stopping === undefined) {
      this.forget(record);
      return undefined;
    }
    return stopping.then(() => this.forget(record));
  }

  private doRestartChild(id: ChildId): Process | Promise<Process> {
    if (this.strategy === 'simple_one_for_one') throw new SupervisorError('simple_one_for_one');
    const record = this.children.byId(id);
    if (record === undefined) throw new SupervisorError('not_found', { childId: id });
    if (record.restarting) throw new SupervisorError('restarting', { childId: id });
    if (record.proc !== undefined) throw new SupervisorError('running', { childId: id });
    return this.startAndAdd(record);
  }

  private doDeleteChild(id: ChildId): void {
    if (this.strategy === 'simple_one_for_one') throw new SupervisorError('simple_one_for_one');
    const record = this.children.byId(id);
    if (record === undefined) throw new SupervisorError('not_found', { childId: id });
    if (record.restarting) throw new SupervisorError('restarting', { childId: id });
    if (record.proc !== undefined) throw new SupervisorError('running', { childId: id });
    this.children.remove(record);
  }

  // ---------------------------------------------------------------------------------------
  // Lookup

  private findRecord(idOrPid: ChildId | Pid): ChildRecord | undefined {
    if (this.strategy !== 'simple_one_for_one') return this.children.byId(idOrPid);
    const proc = this._kernel.lookup(idOrPid as Pid);
    if (proc === undefined || proc._owner !== this) return undefined;
    const record = proc._record as ChildRecord;
    return this.children.holds(record) && record.proc === proc ? record : undefined;
  }
}

function isPidLike(value: unknown): boolean {
  return typeof value === 'string' && PID_PATTERN.test(value);
}

/** Pids look like Erlang's: `<0.42.0>`. */
const PID_PATTERN = /^<0\.\d+\.0>$/;

function refuse(message: Message, pid: Pid): void {
  if (message.kind === 'call' || message.kind === 'startChild' || message.kind === 'init')
    message.reject(new NoProcError(pid));
}
