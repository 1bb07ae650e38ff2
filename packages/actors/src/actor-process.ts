/**
 * A process that runs XState v5 actor logic. XState's own actor does the work (statecharts,
 * promises, callbacks, delayed events on the system's clock); this wrapper maps its ending
 * to an exit reason: status `done` is `'normal'`, status `error` is the error.
 */

import {
  type Actor,
  type AnyActorLogic,
  createActor,
  type OutputFrom,
  type Snapshot,
  type SnapshotFrom,
} from 'xstate';
import { type ExitSender, type Kernel, Process } from './process.js';
import type { DownMessage, ExitMessage, ExitReason } from './types.js';
import { toExitError } from './types.js';

/** Watches one XState actor of the process; one small object per (re)created actor. */
class ExitObserver {
  constructor(
    private readonly process: ActorProcess,
    private readonly actor: Actor<AnyActorLogic>,
  ) {}

  error(err: unknown): void {
    this.process._actorEnded(this.actor, toExitError(err));
  }

  complete(): void {
    // `complete` follows both a `done` snapshot and `actor.stop()`; a stop we asked for is
    // already accounted for, and one made by someone else is a shutdown.
    this.process._actorEnded(this.actor, this.actor.getSnapshot().status === 'done' ? 'normal' : 'shutdown');
  }
}

/**
 * A process running any XState v5 actor logic (machine, `fromPromise`, `fromCallback`,
 * `fromTransition`, `fromObservable`). Events sent to it go to the XState actor's mailbox.
 * If it traps exits it receives {@link ExitMessage} events; if it monitors others it receives
 * {@link DownMessage} events.
 */
export class ActorProcess<TLogic extends AnyActorLogic = AnyActorLogic> extends Process {
  readonly #logic: TLogic;
  /** The XState actor; `undefined` while the process hibernates. */
  #actor: Actor<TLogic> | undefined;
  /** While hibernating: what the XState actor is rebuilt from. */
  #persisted: Snapshot<unknown> | undefined;

  /** @internal */
  constructor(kernel: Kernel, logic: TLogic, input: unknown, trapExit: boolean) {
    super(kernel);
    this._trap = trapExit;
    this.#logic = logic;
    // The XState actor's id is the pid, so logic can tell its process apart (`self.id`), as an
    // Erlang process knows `self()`.
    this.#actor = this.#watch(
      createActor(logic, { id: this.pid, clock: kernel.clock, input } as never) as Actor<TLogic>,
    );
  }

  /**
   * The underlying XState actor. Do not `stop()` it directly: use {@link Process.exit}. Reading
   * it wakes a hibernating process.
   */
  get actor(): Actor<TLogic> {
    return this.#actor ?? this.#wake();
  }

  /** Whether the process hibernates: alive, with no XState actor in memory until a message arrives. */
  get hibernating(): boolean {
    return this.#actor === undefined && this._reason === undefined;
  }

  /**
   * Hibernates the process, as `erlang:hibernate/3` does: it keeps its pid, links, monitors,
   * trap flag and place under its supervisor, and lets go of its XState actor, keeping only the
   * actor's persisted snapshot (`getPersistedSnapshot`). The actor is stopped the XState way
   * (its logic sees `xstate.stop`; no exit follows). The next event, `EXIT` or `DOWN` (or a read
   * of `actor` or the snapshot) rebuilds the actor from that snapshot, starts it, then delivers
   * the message. What a snapshot does not hold is gone: a `fromPromise` restarts its promise, a
   * `fromCallback` runs its callback again, as a hibernating Erlang process loses its stack.
   * Returns whether the process went into hibernation (not if it has exited or already hibernates).
   */
  hibernate(): boolean {
    const actor = this.#actor;
    if (actor === undefined || this._reason !== undefined) return false;
    this.#persisted = actor.getPersistedSnapshot() as Snapshot<unknown>;
    this.#actor = undefined;
    actor.stop();
    return true;
  }

  #wake(): Actor<TLogic> {
    const actor = this.#watch(
      createActor(this.#logic, {
        id: this.pid,
        clock: this._kernel.clock,
        snapshot: this.#persisted,
      } as never) as Actor<TLogic>,
    );
    this.#actor = actor;
    this.#persisted = undefined;
    // An exited process is only read, never run again.
    if (this._reason === undefined) actor.start();
    return actor;
  }

  #watch(actor: Actor<TLogic>): Actor<TLogic> {
    actor.subscribe(new ExitObserver(this as ActorProcess, actor as Actor<AnyActorLogic>));
    return actor;
  }

  /** Always `'actor'`. */
  get kind(): 'actor' {
    return 'actor';
  }

  /** Sends an event to the actor; dropped if the process has exited. */
  send(event: Parameters<Actor<TLogic>['send']>[0]): void {
    if (this._reason === undefined) this.actor.send(event);
  }

  /** The XState actor's current snapshot (its last one after the process exits). */
  getSnapshot(): SnapshotFrom<TLogic> {
    return this.actor.getSnapshot() as SnapshotFrom<TLogic>;
  }

  /** The logic's output after a `'normal'` exit (a `fromPromise` result, a machine's output); otherwise `undefined`. */
  get output(): OutputFrom<TLogic> | undefined {
    const snapshot = this.actor.getSnapshot() as { status: string; output?: OutputFrom<TLogic> };
    return snapshot.status === 'done' ? snapshot.output : undefined;
  }

  /** @internal */
  override _output(): unknown {
    return this.output;
  }

  /** @internal Starts the XState actor. */
  _start(): void {
    this._kernel.track(this);
    this.actor.start();
  }

  /** @internal The XState actor finished or failed on its own (an actor left in hibernation does not count). */
  _actorEnded(actor: Actor<AnyActorLogic>, reason: ExitReason): void {
    if ((actor as unknown) === this.#actor) this._exitWith(reason);
  }

  /** @internal */
  _terminate(reason: ExitReason): void {
    if (this._reason !== undefined) return;
    // Mark the exit before stopping, so the `complete` that `stop()` triggers is ignored.
    this._exitWith(reason);
    // A hibernating process has no actor running to stop.
    this.#actor?.stop();
  }

  /** @internal */
  _receiveExit(from: ExitSender, reason: ExitReason): void {
    const message: ExitMessage = { type: 'EXIT', from: typeof from === 'string' ? from : from?.pid, reason };
    this.actor.send(message as never);
  }

  /** @internal */
  _receiveDown(message: DownMessage): void {
    this.actor.send(message as never);
  }
}
