/**
 * A run entry: the run table's record of one workflow id whose open run this process owns. It
 * is the run as its type supervisor sees it (`SupervisedRun`): each start of the run actor
 * builds a fresh `Run` (a replay), after a backoff when the previous start crashed.
 */
import type { Clock, Pid } from '@reprise/actors';
import {
  type EventBody,
  FencedError,
  type RunId,
  ShardMovedError,
  type StallCause,
  StoreCorruption,
  type TerminalOutcome,
  type WorkflowDefinition,
  type WorkflowEvent,
  type WorkflowId,
} from '@reprise/core';
import type { ActivityTask } from './activity-executor.js';
import { type Recorder, SETTLED } from './recorder.js';
import {
  type MailboxItem,
  type Opening,
  Run,
  RunEndedError,
  type RunExit,
  type RunHost,
  type RunLoopOwner,
} from './run.js';
import type { SupervisedRun } from './supervision.js';

/** Waits for a workflow's next change: told the outcome when a run closed. */
export type ChangeWaiter = (outcome?: TerminalOutcome) => void;

/** The waiters for one workflow's next change: one function (the usual case, a caller of `result()`) or several, oldest first. */
export type ChangeWaiters = ChangeWaiter | ChangeWaiter[];

const STOPPED: RunExit = { kind: 'stopped' };

/** The input of an entry that holds none: shared, never written (`hold` makes an entry its own). */
const NO_INPUT: readonly MailboxItem[] = Object.freeze([]);

/** The longest wait before replaying a crashed run again. */
const MAX_RESTART_BACKOFF_MS = 5000;

/** Waits before a crashed run is replayed again: 50 ms doubling, at most 5 s. */
export function restartBackoff(clock: Clock, crashes: number): Promise<void> {
  const delay = Math.min(50 * 2 ** (crashes - 1), MAX_RESTART_BACKOFF_MS);
  return new Promise((resolve) => clock.setTimeout(() => resolve(), delay));
}

/** Activity attempts a paused run holds, by activity id, until it is resumed. */
export interface PausedAttempts {
  readonly attempts: Map<string, ActivityTask>;
}

/** The part of an entry that few runs ever use, kept apart so that the others carry none of it. */
interface RareState {
  stalled: StallCause | undefined;
  paused: PausedAttempts | undefined;
  resendSignals: boolean;
  /** Crashes since the last start that ran cleanly: the backoff of the next start. */
  crashes: number;
  /** The actor of the current start was told to stop. */
  stopRequested: boolean;
}

/** What an entry needs from the engine around it. */
export interface RunEntryPort {
  /** The services its runs use. */
  readonly host: RunHost;
  /** Waits before a crashed run is replayed again. */
  backoff(crashes: number): Promise<void>;
  /** The run actor exited normally: hand the exit to the exit handler. */
  exited(entry: RunEntry, exit: RunExit): void;
}

/** The entry's run, when it waits for input with nothing to do: one eviction or hibernation may take. */
export function waitingRun(entry: RunEntry): Run | undefined {
  const run = entry.run;
  if (entry.starting || entry.pending.length > 0 || !run?.quiet || !run.open) return undefined;
  return run;
}

/**
 * The registry's entry for a workflow id whose open run this process owns: resident (its actor
 * is alive), suspended (evicted: rebuilt by replay when something arrives) or stalled.
 */
export class RunEntry implements SupervisedRun, RunLoopOwner {
  pid: Pid | undefined = undefined;
  run: Run | undefined;
  /**
   * Input that arrived while no run was in memory; the next run takes it. No array of its own
   * until some arrives: thousands of runs wait out of memory with none.
   */
  #pending: MailboxItem[] | undefined;
  /** A start of the run actor is under way. */
  starting = false;
  /**
   * The last seq whose step's `ctx.log` lines were written (by this process, or, for a run
   * recovered from the store, by the one before): replay keeps those steps silent.
   */
  loggedThrough = 0;
  /** Engine clock time at which the run last began to wait with nothing to do. */
  quietSince = 0;
  /** The waiters for the workflow's next change while it has this entry (kept by the run table). */
  changeWaiters: ChangeWaiters | undefined = undefined;
  /** Settles once the run's WorkflowStarted is durable: at once for a run read from the store. */
  startRecorded: Promise<void> = SETTLED;

  /** Whether the run's WorkflowStarted is not durable (yet, or ever: its start may be undone). */
  get startUnrecorded(): boolean {
    return this.startRecorded !== SETTLED;
  }
  /** A start not recorded yet: its WorkflowStarted goes in the first append of the run. */
  #opening: Opening | undefined;
  /** What few runs ever have (a stall, a pause, a crash): made at the first, none for the others. */
  #rare: RareState | undefined;

  constructor(
    readonly workflowId: WorkflowId,
    readonly runId: RunId,
    readonly workflowType: string,
    readonly definition: WorkflowDefinition<never, unknown>,
    readonly recorder: Recorder,
    private readonly port: RunEntryPort,
    private preloaded: WorkflowEvent[] | undefined,
    opening?: Pick<Opening, 'body' | 'recordedAt'>,
  ) {
    if (!opening) return;
    this.startRecorded = new Promise<void>((resolve, reject) => {
      this.#opening = new RunEntry.#UnrecordedStart(opening.body, opening.recordedAt, this, resolve, reject);
    });
  }

  /** A start not recorded yet, as the entry holds it: one object, no closures (every client start has one). */
  static readonly #UnrecordedStart = class UnrecordedStart implements Opening {
    constructor(
      readonly body: EventBody,
      readonly recordedAt: number,
      private readonly entry: RunEntry,
      private readonly resolveStart: () => void,
      private readonly rejectStart: (error: unknown) => void,
    ) {}

    recorded(): void {
      this.entry.#opening = undefined;
      // Waiters hold the promise; a recorded start needs none of its own.
      this.entry.startRecorded = SETTLED;
      this.resolveStart();
    }

    reject(error: unknown): void {
      this.entry.#opening = undefined;
      this.rejectStart(error);
    }
  };

  #rareState(): RareState {
    this.#rare ??= {
      stalled: undefined,
      paused: undefined,
      resendSignals: false,
      crashes: 0,
      stopRequested: false,
    };
    return this.#rare;
  }

  /** Why the run stalled (it waits for a fix, in memory), if it did. */
  get stalled(): StallCause | undefined {
    return this.#rare?.stalled;
  }

  set stalled(cause: StallCause | undefined) {
    if (cause !== undefined || this.#rare) this.#rareState().stalled = cause;
  }

  /**
   * Set while the run is paused (its replay or its loop says so): activity attempts due for it
   * are held here, by activity id, instead of starting, and start when it is resumed. Kept on the
   * entry, so a paused run evicted from memory still holds its retries.
   */
  get paused(): PausedAttempts | undefined {
    return this.#rare?.paused;
  }

  set paused(paused: PausedAttempts | undefined) {
    if (paused !== undefined || this.#rare) this.#rareState().paused = paused;
  }

  /**
   * Set for a run recovered after a restart of the process: its first replay delivers the
   * signals it sent again. Within a process, deliveries outlive evictions and actor restarts.
   */
  get resendSignals(): boolean {
    return this.#rare?.resendSignals ?? false;
  }

  set resendSignals(resend: boolean) {
    if (resend || this.#rare) this.#rareState().resendSignals = resend;
  }

  /** Input that arrived while no run was in memory, oldest first. */
  get pending(): readonly MailboxItem[] {
    return this.#pending ?? NO_INPUT;
  }

  /** Keeps input for the next run (none is in memory to take it). */
  hold(item: MailboxItem): void {
    if (this.#pending) this.#pending.push(item);
    else this.#pending = [item];
  }

  /** Takes every input held, leaving none. */
  takePending(): MailboxItem[] {
    const pending = this.#pending ?? [];
    this.#pending = undefined;
    return pending;
  }

  // Written with `then` rather than `await`: a waiting run keeps no suspended frame for it.
  body(): Promise<RunExit> {
    const rare = this.#rare;
    if (rare === undefined || rare.crashes === 0) return this.#startRun();
    rare.stopRequested = false;
    return this.port.backoff(rare.crashes).then(() => (rare.stopRequested ? STOPPED : this.#startRun()));
  }

  /** The run failed outside its actor (its final step was not recorded): the next start backs off. */
  noteCrash(): void {
    this.#rareState().crashes++;
    this.run = undefined;
  }

  #startRun(): Promise<RunExit> {
    const run = new Run(this, this.port.host, this.preloaded, this.takePending(), this.#opening);
    this.preloaded = undefined;
    this.run = run;
    return run.loop(this);
  }

  loopEnded(run: Run, exit: RunExit): RunExit {
    if ((exit.kind !== 'finished' || !exit.finalStep) && this.#rare) this.#rare.crashes = 0;
    // The start goes in the final step: the exit handler records it, or its starter gets the error.
    if (exit.kind === 'finished' && exit.finalStep?.opens) return exit;
    // An evicted run lets go of its interpreter and the code's frames: replay rebuilds them.
    if (exit.kind === 'stopped' && this.run === run) this.run = undefined;
    // A loop that ended before its first append (stopped at once) leaves the start unrecorded.
    return this.#abandonUnrecordedStart(() => new RunEndedError(this.workflowId)) ?? exit;
  }

  loopCrashed(error: unknown): RunExit {
    // A start that never got recorded is not restarted: its starter gets the error.
    const abandoned = this.#abandonUnrecordedStart(() => error);
    if (abandoned) return abandoned;
    // A damaged record stays damaged: a restart would only read it again, within the intensity
    // of the whole type's supervisor. The run goes to quarantine instead.
    if (error instanceof StoreCorruption) return { kind: 'corrupt', error };
    // The run's shard is another engine's now (shard-ownership.ts has dropped it): a restart
    // here could only be refused again.
    if (error instanceof FencedError || error instanceof ShardMovedError) return STOPPED;
    this.#rareState().crashes++;
    throw error;
  }

  stop(): void {
    // Only a start waiting out its backoff (after a crash, so with the rare state) reads it.
    if (this.#rare) this.#rare.stopRequested = true;
    this.run?.requestStop();
  }

  /**
   * The run's actor could not be started (its type supervisor refused it): a start not recorded
   * yet never will be; those waiting on it learn `error`.
   */
  abandonStart(error: unknown): void {
    // Its starter learns the error from the actor's start, not from here: no one may listen.
    this.startRecorded.catch(() => undefined);
    this.#abandonUnrecordedStart(() => error);
  }

  #abandonUnrecordedStart(error: () => unknown): RunExit | undefined {
    if (!this.#opening) return undefined;
    this.#opening.reject(error());
    return STOPPED;
  }

  exited(exit: RunExit): void {
    this.port.exited(this, exit);
  }

  /** Nothing will record the exit (its actor was stopped first): those waiting on it learn so. */
  exitLost(exit: RunExit): void {
    if (exit.kind === 'finished') exit.finalStep?.failed(new RunEndedError(this.workflowId));
    if (exit.kind === 'closed') exit.ack?.reject(new RunEndedError(this.workflowId));
  }
}
