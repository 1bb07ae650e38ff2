/**
 * A process that runs XState v5 actor logic. XState's own actor does the work (statecharts,
 * promises, callbacks, delayed events on the system's clock); this wrapper maps its ending
 * to an exit reason: status `done` is `'normal'`, status `error` is the error.
 */

import { type Actor, type AnyActorLogic, createActor, type OutputFrom, type SnapshotFrom } from 'xstate';
import { type Kernel, Process } from './process.js';
import type { DownMessage, ExitMessage, ExitReason } from './types.js';
import { toExitError } from './types.js';

/** Watches the XState actor; one small object per process. */
class ExitObserver {
  constructor(private readonly process: ActorProcess) {}

  error(err: unknown): void {
    this.process._actorEnded(toExitError(err));
  }

  complete(): void {
    // `complete` follows both a `done` snapshot and `actor.stop()`; a stop we asked for is
    // already accounted for, and one made by someone else is a shutdown.
    this.process._actorEnded(this.process.actor.getSnapshot().status === 'done' ? 'normal' : 'shutdown');
  }
}

/**
 * A process running any XState v5 actor logic (machine, `fromPromise`, `fromCallback`,
 * `fromTransition`, `fromObservable`). Events sent to it go to the XState actor's mailbox.
 * If it traps exits it receives {@link ExitMessage} events; if it monitors others it receives
 * {@link DownMessage} events.
 */
export class ActorProcess<TLogic extends AnyActorLogic = AnyActorLogic> extends Process {
  /** The underlying XState actor. Do not `stop()` it directly: use {@link Process.exit}. */
  readonly actor: Actor<TLogic>;

  /** @internal */
  constructor(kernel: Kernel, logic: TLogic, input: unknown, trapExit: boolean) {
    super(kernel);
    this._trap = trapExit;
    this.actor = createActor(logic, { clock: kernel.clock, input } as never) as Actor<TLogic>;
    this.actor.subscribe(new ExitObserver(this as ActorProcess));
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

  /** @internal Starts the XState actor. */
  _start(): void {
    this._kernel.track(this);
    this.actor.start();
  }

  /** @internal The XState actor finished or failed on its own. */
  _actorEnded(reason: ExitReason): void {
    this._exitWith(reason);
  }

  /** @internal */
  _terminate(reason: ExitReason): void {
    if (this._reason !== undefined) return;
    // Mark the exit before stopping, so the `complete` that `stop()` triggers is ignored.
    this._exitWith(reason);
    this.actor.stop();
  }

  /** @internal */
  _receiveExit(from: Process | undefined, reason: ExitReason): void {
    const message: ExitMessage = { type: 'EXIT', from: from?.pid, reason };
    this.actor.send(message as never);
  }

  /** @internal */
  _receiveDown(message: DownMessage): void {
    this.actor.send(message as never);
  }
}
