/**
 * A process that runs a plain body instead of an XState actor: an async function, given the
 * process, whose settling is the exit (resolved: `'normal'` with its value as the output;
 * rejected: the error). Same pid, links, monitors, exit signals, supervision and hibernation
 * as an {@link ActorProcess}, without an XState actor, snapshot or subscription per start: for
 * the many workers that only wait on a promise, such as a workflow engine's runs.
 */

import { type ExitSender, type Kernel, Process } from './process.js';
import type { DownMessage, ExitMessage, ExitReason } from './types.js';
import { toExitError } from './types.js';

/** An event a task process takes: anything tagged with a `type`. */
export interface TaskEvent {
  /** The event's tag. */
  readonly type: string;
}

/**
 * What a task process runs, returned from a child spec's `start` as `task(spec)` or given to
 * `system.spawn(task(spec))`. The spec itself is the process's state across hibernation: it is
 * kept while the body is let go, and its `run` is called again at the wake.
 */
export interface TaskSpec<TOutput = unknown, TEvent extends TaskEvent = TaskEvent> {
  /**
   * The body: called when the process starts, and again each time it wakes from hibernation.
   * Its settling is the process's exit: resolved is `'normal'` (the value is the output that
   * `DOWN` messages and traces carry), rejected is the error. Throwing synchronously at the
   * start is a start failure for a supervisor.
   */
  run(self: TaskProcess<TOutput, TEvent>): PromiseLike<TOutput> | TOutput;
  /**
   * The process let go of the body: it was stopped (exit signal, supervisor, system shutdown)
   * or it hibernates. The body should end soon; whatever it settles with is no exit any more.
   */
  stop?(): void;
  /**
   * Takes events sent to the process, and, when it traps exits or monitors others, its `EXIT`
   * and `DOWN` messages; a hibernating process wakes first. Without it they are dropped.
   */
  receive?(message: TEvent | ExitMessage | DownMessage): void;
  /** A body the process let go of resolved with `output`: no exit carries it; whoever waits on it learns here. */
  lost?(output: TOutput): void;
  /** Start the process trapping exits. */
  readonly trapExit?: boolean;
}

/**
 * A process running a {@link TaskSpec}. Obtain one from a child spec whose `start` returns
 * `task(spec)`, or from `system.spawn(task(spec))`. Its {@link Process.kind} is `'task'`.
 */
export class TaskProcess<TOutput = unknown, TEvent extends TaskEvent = TaskEvent> extends Process {
  readonly #spec: TaskSpec<TOutput, TEvent>;
  /** Counts the bodies run; a body that settles after a later one began (or after the exit) is lost. */
  #bodies = 0;
  #hibernating = false;
  #output: TOutput | undefined = undefined;

  /** @internal */
  constructor(kernel: Kernel, spec: TaskSpec<TOutput, TEvent>, trapExit: boolean) {
    super(kernel);
    this._trap = trapExit;
    this.#spec = spec;
  }

  /** Always `'task'`. */
  get kind(): 'task' {
    return 'task';
  }

  /** The body's value after a `'normal'` exit; otherwise `undefined`. */
  get output(): TOutput | undefined {
    return this.#output;
  }

  /** Whether the process hibernates: alive, with no body running until a message arrives. */
  get hibernating(): boolean {
    return this.#hibernating && this._reason === undefined;
  }

  /** Hands an event to the spec's `receive`, waking the process first if it hibernates; dropped once it has exited. */
  send(event: TEvent): void {
    this.#deliver(event);
  }

  /**
   * Hibernates the process, as `erlang:hibernate/3` does and as {@link ActorProcess.hibernate}:
   * it keeps its pid, links, monitors, trap flag and place under its supervisor, and lets go of
   * its body (the spec's `stop` is called; the body's settling is no exit). The next event,
   * `EXIT` or `DOWN` runs the body again, then delivers the message. Returns whether the process
   * went into hibernation (not if it has exited or already hibernates).
   */
  hibernate(): boolean {
    if (this.#hibernating || this._reason !== undefined) return false;
    this.#hibernating = true;
    this.#bodies++;
    this.#spec.stop?.();
    return true;
  }

  /** @internal Runs the body; returns what it threw synchronously (then the process has exited with it). */
  _start(): Error | undefined {
    this._kernel.track(this);
    return this.#run();
  }

  #run(): Error | undefined {
    const body = ++this.#bodies;
    let settling: PromiseLike<TOutput>;
    try {
      // A native promise is taken as it is, and a plain value becomes one.
      settling = Promise.resolve(this.#spec.run(this));
    } catch (err) {
      const error = toExitError(err);
      this._exitWith(error);
      return error;
    }
    settling.then(
      (output) => this.#settled(body, output),
      (err: unknown) => {
        // A body let go of may fail as it likes: the process is past it.
        if (body === this.#bodies && this._reason === undefined) this._exitWith(toExitError(err));
      },
    );
    return undefined;
  }

  #settled(body: number, output: TOutput): void {
    if (body !== this.#bodies || this._reason !== undefined) {
      this.#spec.lost?.(output);
      return;
    }
    this.#output = output;
    this._exitWith('normal');
  }

  #deliver(message: TEvent | ExitMessage | DownMessage): void {
    if (this._reason !== undefined) return;
    if (this.#hibernating) {
      this.#hibernating = false;
      if (this.#run() !== undefined) return;
    }
    this.#spec.receive?.(message);
  }

  /** @internal */
  override _output(): unknown {
    return this.#output;
  }

  /** @internal */
  _terminate(reason: ExitReason): void {
    if (this._reason !== undefined) return;
    this._exitWith(reason);
    // A hibernating process has no body running to stop.
    if (!this.#hibernating) this.#spec.stop?.();
  }

  /** @internal */
  _receiveExit(from: ExitSender, reason: ExitReason): void {
    this.#deliver({ type: 'EXIT', from: typeof from === 'string' ? from : from?.pid, reason });
  }

  /** @internal */
  _receiveDown(message: DownMessage): void {
    this.#deliver(message);
  }
}
