import {
  type EventBody,
  type EventOf,
  NonDeterminismError,
  type ParentLink,
  RepriseError,
  type RunId,
  runSegment,
  type StallCause,
  type StoreCorruption,
  type TerminalOutcome,
  terminalOutcomeFromHistory,
  WorkflowCodeError,
  type WorkflowDefinition,
  type WorkflowEvent,
  type WorkflowId,
} from '@reprise/core';
import {
  applyHeld,
  type Command,
  commandEvent,
  type ExecutionInit,
  type ExecutionOutcome,
  LoneEntryMap,
  replayRun,
  type Settle,
  type WorkflowExecution,
} from '@reprise/core/internal';
import type { ActivityTask } from './activity-executor.js';
import { type Recorder, SETTLED } from './recorder.js';
import {
  type ActivityState,
  type ActivityStates,
  attemptsEndedIn,
  nextAttempt,
  noteActivityEnd,
  restoreActivityStates,
  staleActivityNews,
} from './run-activities.js';

const NO_ACTIVITIES: ReadonlyMap<string, ActivityState> = new Map();

/** The run's loop ended before an input posted to it was recorded; the caller may retry. */
export class RunEndedError extends RepriseError {
  readonly code = 'run_ended';
  constructor(readonly workflowId: WorkflowId) {
    super(`the run of ${workflowId} ended before the input was recorded`);
  }
}

/**
 * The step in which the code ended, not recorded yet: the exit handler records it and the
 * terminal event in one append, so the last step costs one commit, and the terminal event has
 * one writer.
 */
export interface FinalStep {
  /** The input and the commands' events, in order; the terminal event goes after them. */
  readonly bodies: readonly EventBody[];
  readonly recordedAt: number;
  /** The last seq the run had seen: the append is conditional on it. */
  readonly afterSeq: number;
  /** Where the run reports its outcome, when it is a child. */
  readonly parent: ParentLink | undefined;
  /** Whether the run started children (their close policy then needs the history). */
  readonly startedChildren: boolean;
  /** The step holds the run's WorkflowStarted (the code ended in its first step). */
  readonly opens: boolean;
  /** The step is durable (`events` are its bodies as recorded): carry out its commands, ack its input. */
  recorded(events: readonly WorkflowEvent[]): void;
  /** The append failed: the input's sender learns it. */
  failed(error: unknown): void;
}

/** An outcome imposed on a run from outside its code: an execution timeout, a termination. */
export type ImposedOutcome = Extract<TerminalOutcome, { status: 'TimedOut' | 'Terminated' }>;

/** How a run actor's loop ends; the run's type supervisor handles it (see `exit-handler.ts`). */
export type RunExit =
  /**
   * The code returned, threw, or asked to continue as new: record it unless already recorded.
   * `finalStep`: the step that ended the code, to record together with the terminal event.
   */
  | { readonly kind: 'finished'; readonly outcome: ExecutionOutcome; readonly finalStep?: FinalStep }
  /**
   * Closed from outside (execution timeout, termination): record `outcome` unless the run
   * closed first; `ack` settles once it is handled. Its code runs no further.
   */
  | { readonly kind: 'closed'; readonly outcome: ImposedOutcome; readonly ack?: Ack }
  /** The run's segment already has a terminal event (recorded before a crash, or by a racer). */
  | { readonly kind: 'alreadyClosed'; readonly outcome: TerminalOutcome }
  /**
   * Replay diverged, or the code threw a bug: the run waits, unrecorded (but for the input of
   * the step that threw), for code that matches its history.
   */
  | { readonly kind: 'stalled'; readonly error: StallCause }
  /** Its stored records could not be read or written (`StoreCorruption`): the run is quarantined. */
  | { readonly kind: 'corrupt'; readonly error: StoreCorruption }
  /** Stopped by the engine (shutdown or eviction); its history is intact and it can be rehydrated. */
  | { readonly kind: 'stopped' };

/** What a run needs from the engine around it. */
export interface RunHost {
  readonly settle: Settle;
  /** The engine's build: a run carried on by another build than its last recorded one records BuildChanged. */
  readonly buildId: string;
  now(): number;
  executionInit(started: EventOf<'WorkflowStarted'>): ExecutionInit | undefined;
  /** Carries out a recorded command (run an activity, arm a timer, start a child ...); `event` records it. */
  perform(run: Run, command: Command, event: WorkflowEvent): void;
  /** Delivers a signal the run recorded as sent (again after a crash: the target drops duplicates). */
  sendSignal(run: Run, event: EventOf<'SignalSent'>): void;
  /** Runs an activity attempt (a first attempt, a retry at its time, or a re-run after recovery). */
  startActivity(task: ActivityTask): void;
  /** Arms a timer that fires `TimerFired` into the run (in memory or not: it holds its ids only). */
  armTimer(run: Pick<Run, 'workflowId' | 'runId'>, timerId: string, fireAt: number): void;
  /** After replay: a recorded child the run still waits on; its outcome may have been missed while down. */
  resumeChild(run: Run, started: EventOf<'ChildWorkflowStarted'>): void;
  /** A run stopped (evicted, or shut down) with input not yet recorded: it goes back to the workflow. */
  handBack(run: Run, items: readonly MailboxItem[]): void;
  /**
   * The run was paused (`true`) or resumed (`false`): while paused no new activity attempt of it
   * starts (the executor holds them), and on resume the held ones start.
   */
  pausedChanged(run: Run, paused: boolean): void;
  /** The run has nothing to do until something arrives: a moment to evict others, or it. */
  waiting(run: Run): void;
}

/** A settled promise's two ends, for a caller waiting until its input is recorded. */
export interface Ack {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A run whose WorkflowStarted is not recorded yet (the last event of its preloaded history): it
 * goes in the run's first append, together with the commands of the code's first step.
 */
export interface Opening {
  readonly body: EventBody;
  readonly recordedAt: number;
  /** Called once that append is durable. */
  recorded(): void;
  /** Called when that append failed: the start is abandoned, its starter gets `error`. */
  reject(error: unknown): void;
}

/**
 * What a run's entry keeps across rebuilds of the run (evictions, actor restarts), and the
 * run's names, which the run reads from there rather than keeping copies: an awake run is
 * five fields lighter (10,000 live at once).
 */
export interface RunMemory {
  readonly workflowId: WorkflowId;
  readonly runId: RunId;
  readonly workflowType: string;
  readonly definition: WorkflowDefinition<never, unknown>;
  /** The workflow's single writer. */
  readonly recorder: Recorder;
  /** Through which seq the run's `ctx.log` lines were written. */
  loggedThrough: number;
  /** The next replay delivers the signals the history records as sent again (after a process restart). */
  resendSignals: boolean;
}

/** Who runs a run's loop (its entry): what the run actor's exit is, once the loop has ended. */
export interface RunLoopOwner {
  /** The loop returned `exit`: the exit of the run actor. */
  loopEnded(run: Run, exit: RunExit): RunExit;
  /** The loop threw: the exit of the run actor, or a throw (a crash, which its supervisor restarts). */
  loopCrashed(error: unknown): RunExit;
}

/** A run's child starts, kept apart from the run: most runs start no child. */
interface ChildStarts {
  /** The child starts alone, chained in recorded order (see `Run.startChildInOrder`). */
  chain: Promise<void>;
  /** Child starts asked for and not done yet: the run's terminal event waits for them. */
  pending: number;
  /** The first child start that failed (the store refused it): the run crashes rather than close. */
  failure: { readonly error: unknown } | undefined;
  /** Whether the run has started a child (its close then applies the child's close policy). */
  started: boolean;
}

/** Something that happened to a run, waiting to be recorded. */
export type MailboxItem = { readonly body: EventBody; readonly recordedAt?: number; readonly ack?: Ack };

/** Whether a step's commands start a child. A loop, not `some`: it runs at every step of every run. */
function startsChild(commands: readonly Command[]): boolean {
  for (const command of commands) if (command.kind === 'StartChild') return true;
  return false;
}

/** The bodies one step records: its inputs, then its commands' events, in one array. */
function eventBodies(inputs: readonly EventBody[], commands: readonly Command[]): EventBody[] {
  // Made at its final length: growing it by push would allocate its backing store twice.
  const bodies = new Array<EventBody>(inputs.length + commands.length);
  for (let index = 0; index < inputs.length; index++) bodies[index] = inputs[index] as EventBody;
  for (let index = 0; index < commands.length; index++)
    bodies[inputs.length + index] = commandEvent(commands[index] as Command);
  return bodies;
}

/**
 * The segment of a run being opened: the last event of its history (see `Opening`), alone, with
 * nothing after it (a new workflow id's history is that event already).
 */
function openingSegment(history: WorkflowEvent[]): WorkflowEvent[] {
  return history.length === 1 ? history : history.slice(-1);
}

/**
 * One run of a workflow while it lives in memory: its interpreter, its mailbox, and the work
 * in flight for it. The run actor executes `loop()`; everything that happens to the run goes
 * through `post()` and is recorded, in arrival order, before the code sees it.
 */
export class Run {
  /** Activities scheduled and not yet seen to end (made at the first one: many runs have none). */
  #activityStates: ActivityStates | undefined;
  /** The run's outward effects (child starts, signal deliveries), chained in recorded order. */
  #effects: Promise<void> = SETTLED;
  /** The run's children: made at its first child (replayed or new), none for the many runs with none. */
  #children: ChildStarts | undefined;
  #execution: WorkflowExecution | undefined;
  #mailbox: MailboxItem[];
  /** Replay has brought the code up to its history, or the loop has ended. */
  #isReady = false;
  /** `ready`, made when first asked for: most runs are never waited on. */
  #readyPromise: Promise<void> | undefined;
  #resolveReady: (() => void) | undefined;
  #wake: (() => void) | undefined;
  #stopRequested = false;
  #open = true;
  /** The last seq this run has seen: it appends only on top of it (another writer makes it replay). */
  #seenSeq = 0;
  #requestIds: Set<string> | undefined;
  /**
   * Set while the run is paused: the inputs recorded since its WorkflowPaused, not yet applied
   * to the code (they are, in order, when WorkflowResumed is recorded).
   */
  #held: { readonly body: EventBody }[] | undefined;
  /** Update ids this run has accepted: a second update with one is not accepted again. */
  #updateIds: Set<string> | undefined;
  /** The run's parent, from its WorkflowStarted. */
  #parent: ParentLink | undefined;
  /** BuildChanged to record with the run's next append: this build carries on a run another recorded. */
  #buildNote: EventBody | undefined;
  /** A close asked for from outside, taken by the loop at its next step. */
  #closeRequest: { readonly outcome: ImposedOutcome; readonly ack: Ack } | undefined;
  /** Deliver the signals its history records as sent again: they may have died with a process. */
  readonly #resendSignals: boolean;

  constructor(
    /** What its entry keeps across rebuilds of the run, and the run's names. */
    private readonly memory: RunMemory,
    private readonly host: RunHost,
    /** The history as the starter left it, sparing the first replay a read. */
    private preloaded: WorkflowEvent[] | undefined,
    /** Input that arrived while the run was not in memory. */
    initialMailbox: MailboxItem[] = [],
    private opening: Opening | undefined = undefined,
  ) {
    this.#mailbox = initialMailbox;
    // Taken now: the first replay clears the entry's flag, and this run's `#resume` reads it after.
    this.#resendSignals = memory.resendSignals;
  }

  get workflowId(): WorkflowId {
    return this.memory.workflowId;
  }

  get runId(): RunId {
    return this.memory.runId;
  }

  get workflowType(): string {
    return this.memory.workflowType;
  }

  get definition(): WorkflowDefinition<never, unknown> {
    return this.memory.definition;
  }

  /** The workflow's single writer. */
  get recorder(): Recorder {
    return this.memory.recorder;
  }

  /** Settles once replay has brought the run's code up to its history (or the loop has ended). */
  get ready(): Promise<void> {
    if (this.#isReady) return SETTLED;
    this.#readyPromise ??= new Promise<void>((resolve) => {
      this.#resolveReady = resolve;
    });
    return this.#readyPromise;
  }

  #ready(): void {
    this.#isReady = true;
    this.#resolveReady?.();
    this.#resolveReady = undefined;
    this.#readyPromise = undefined;
  }

  /** Activities scheduled and not yet seen to end. */
  get activities(): ReadonlyMap<string, ActivityState> {
    return this.#activityStates ?? NO_ACTIVITIES;
  }

  #trackActivity(activityId: string, state: ActivityState): void {
    this.#activityStates ??= new LoneEntryMap();
    this.#activityStates.set(activityId, state);
  }

  #noteRequestId(requestId: string): void {
    this.#requestIds ??= new Set();
    this.#requestIds.add(requestId);
  }

  /** Whether the run is paused (its code sees nothing new until it is resumed). */
  get paused(): boolean {
    return this.#held !== undefined;
  }

  /** The live interpreter, once replay has finished. */
  get execution(): WorkflowExecution | undefined {
    return this.#execution;
  }

  /**
   * Runs a child start after the child starts recorded before it. The run records no terminal
   * event until its child starts are done: recovery replays open runs only, so a parent closed in
   * the same append as a ChildWorkflowStarted, with the child's own start lost in a crash, would
   * leave a child nobody starts. While the terminal waits, the parent is still open, in the
   * store's active set, and a recovery replays it, which starts the child (see `#resume`).
   * Child starts do not wait for the signal deliveries recorded before them: a delivery may wait
   * on a run that waits for this run to close.
   */
  startChildInOrder(start: () => Promise<void>): Promise<void> {
    const children = this.#childState();
    children.pending++;
    const started = children.chain.then(start);
    const done = started.then(
      () => {
        children.pending--;
      },
      (error: unknown) => {
        children.pending--;
        children.failure ??= { error };
      },
    );
    children.chain = done;
    this.#effects = Promise.all([this.#effects, done]).then(() => undefined);
    return started;
  }

  /** Runs an outward effect (a signal delivery) after every effect recorded before it. */
  effectInOrder(effect: () => Promise<void>): Promise<void> {
    const next = this.#effects.then(effect);
    this.#effects = next.catch(() => undefined);
    return next;
  }

  /** Settles once the child starts asked for so far are done, failed or not. */
  get childStartsDone(): Promise<void> {
    return this.#children?.chain ?? SETTLED;
  }

  #childState(): ChildStarts {
    this.#children ??= { chain: SETTLED, pending: 0, failure: undefined, started: false };
    return this.#children;
  }

  /** Whether the run has started a child (its close then applies the child's close policy). */
  get #startedChildren(): boolean {
    return this.#children?.started ?? false;
  }

  /** Queues something that happened to the run; it is recorded before the code sees it. */
  post(body: EventBody, ack?: Ack): void {
    this.#mailbox.push(ack ? { body, ack } : { body });
    this.#wake?.();
  }

  /** Whether the run has nothing to do until something arrives (or has ended). */
  get quiet(): boolean {
    return (
      !this.#open || (this.#execution !== undefined && this.#mailbox.length === 0 && this.#wake !== undefined)
    );
  }

  /** Whether the loop is still taking input. */
  get open(): boolean {
    return this.#open;
  }

  /** Whether a stop has been asked for. */
  get stopping(): boolean {
    return this.#stopRequested;
  }

  /** Asks the loop to stop after the step in progress (shutdown, eviction). */
  requestStop(): void {
    this.#stopRequested = true;
    this.#wake?.();
  }

  /**
   * Asks the loop to end the run with `outcome` after the step in progress; the run actor exits
   * with it and its supervisor records it. `ack` settles once that is done, or rejects with
   * RunEndedError when the loop ended otherwise without closing the run (the caller retries).
   */
  requestClose(outcome: ImposedOutcome, ack: Ack): void {
    if (!this.#open || this.#closeRequest) {
      ack.reject(new RunEndedError(this.workflowId));
      return;
    }
    this.#closeRequest = { outcome, ack };
    this.#wake?.();
  }

  /**
   * The run actor's body: replay, then record and apply what arrives until the code ends; then
   * the loop's own close and its owner's verdict on the exit (`owner.loopEnded`, or
   * `owner.loopCrashed` when the loop threw) in one then(): the exit takes one hop less, and a
   * waiting run holds one pair of closures, not two.
   */
  loop(owner: RunLoopOwner): Promise<RunExit> {
    // `then` rather than an async frame around `#loop`: a waiting run keeps one frame, not two.
    return this.#loop().then(
      (exit) => {
        this.#close(exit);
        return owner.loopEnded(this, exit);
      },
      (error: unknown) => {
        this.#close(undefined);
        return owner.loopCrashed(error);
      },
    );
  }

  /** After the loop: input not recorded goes back to the workflow, or is refused if the run ended. */
  #close(exit: RunExit | undefined): void {
    this.#open = false;
    this.#ready();
    const close = this.#closeRequest;
    this.#closeRequest = undefined;
    if (close && exit?.kind !== 'closed') {
      // The run closed on its own first, or its loop ended without closing it.
      if (exit?.kind === 'finished' || exit?.kind === 'alreadyClosed') close.ack.resolve();
      else close.ack.reject(new RunEndedError(this.workflowId));
    }
    const unrecorded = this.#mailbox.splice(0);
    if (exit?.kind === 'stopped' || exit === undefined) {
      if (unrecorded.length > 0) this.host.handBack(this, unrecorded);
    } else {
      for (const item of unrecorded) item.ack?.reject(new RunEndedError(this.workflowId));
    }
  }

  /** Rebuilds the execution from the history, then records what the code asked for beyond it. */
  async #replay(): Promise<RunExit | undefined> {
    const history = this.preloaded ?? (await this.recorder.exclusive(() => this.recorder.read()));
    this.preloaded = undefined;
    const opening = this.opening;
    this.#seenSeq = (history.at(-1)?.seq ?? 0) - (opening ? 1 : 0);
    const segment = opening ? openingSegment(history) : runSegment(history, this.runId);
    const recordedOutcome = opening ? undefined : terminalOutcomeFromHistory(history, this.runId);
    if (recordedOutcome) return { kind: 'alreadyClosed', outcome: recordedOutcome };
    const started = segment[0];
    if (started?.type !== 'WorkflowStarted')
      throw new Error(`run ${this.runId} of ${this.workflowId} has no WorkflowStarted`);
    this.#parent = started.parent;
    let lastBuild = started.buildId;
    for (const event of segment) if (event.type === 'BuildChanged') lastBuild = event.buildId;
    if (lastBuild !== this.host.buildId)
      this.#buildNote = { type: 'BuildChanged', buildId: this.host.buildId };
    if (segment.some((event) => event.type === 'ChildWorkflowStarted')) this.#childState().started = true;
    const init = this.host.executionInit(started);
    if (!init) throw new Error(`no definition for workflow type ${started.workflowType}`);
    let replayed: Awaited<ReturnType<typeof replayRun>>;
    try {
      replayed = await replayRun(init, segment, {
        settle: this.host.settle,
        opening: opening !== undefined,
        loggedThrough: this.memory.loggedThrough,
      });
    } catch (error) {
      if (error instanceof NonDeterminismError) return { kind: 'stalled', error };
      throw error;
    }
    this.#execution = replayed.execution;
    this.memory.loggedThrough = Math.max(this.memory.loggedThrough, this.#seenSeq);
    // Signals are sent again by the first replay after a restart only (this run's `#resume`).
    this.memory.resendSignals = false;
    if (replayed.paused) {
      this.#held = replayed.paused.held.map((event) => ({ body: event }));
      this.host.pausedChanged(this, true);
    }
    this.#ready();
    // Stopped before its start is recorded (the engine shuts down): the start is abandoned and
    // its starter told, rather than recorded into a store about to close.
    if (opening && this.#stopRequested) return { kind: 'stopped' };
    const bug = replayed.execution.bug;
    if (bug) {
      // The start is durable even though its first step threw: the run exists, stalled.
      if (opening) {
        await this.#record([opening.body], [], opening.recordedAt);
        this.#opened(opening);
      }
      return { kind: 'stalled', error: new WorkflowCodeError(this.workflowId, bug.position, bug.error) };
    }
    // A request id is recorded once per workflow id, whichever run received it.
    for (const event of history) {
      if (event.type === 'SignalReceived' && event.requestId !== undefined)
        this.#noteRequestId(event.requestId);
    }
    if (opening) {
      // Nothing to resume: a run whose start is not recorded has recorded no activity, timer,
      // child or signal, and the commands of its first step are carried out once recorded.
      if (this.#endsWith(replayed.unmatched)) {
        return this.#finalStep([{ body: opening.body }], replayed.unmatched, opening.recordedAt, opening);
      }
      // Returned, not awaited: the run waits on its first commit without this frame.
      return this.#recordOpening(opening, replayed.unmatched);
    }
    this.#resume(segment, replayed.matched, replayed.unmatched);
    if (replayed.unmatched.length > 0) {
      const recordedAt = this.host.now();
      if (this.#endsWith(replayed.unmatched)) return this.#finalStep([], replayed.unmatched, recordedAt);
      await this.#record([], replayed.unmatched, recordedAt);
    }
    return undefined;
  }

  /**
   * Records a new run's WorkflowStarted with the commands of its first step, in one append.
   * Chained, not awaited: the run waits on its first commit holding no frame for it.
   */
  #recordOpening(opening: Opening, commands: readonly Command[]): Promise<undefined> {
    // A first step that asked for nothing says so in the start: recovery leaves the run waiting.
    const body =
      commands.length === 0 ? ({ ...opening.body, firstStepQuiet: true } as EventBody) : opening.body;
    return this.#record([body], commands, opening.recordedAt).then(() => {
      this.#opened(opening);
      return undefined;
    });
  }

  /**
   * The run's WorkflowStarted is durable: the lines its first step logged are written (held
   * until now, see `ReplayOptions.opening`), and its starter learns it.
   */
  #opened(opening: Opening): void {
    this.opening = undefined;
    this.#execution?.releaseLog();
    opening.recorded();
  }

  async #loop(): Promise<RunExit> {
    // Replay lives in its own frame, so that the loop, suspended while the run waits, holds only
    // the execution and not the history it was rebuilt from.
    const ended = await this.#replay();
    if (ended) return ended;
    const execution = this.#execution as WorkflowExecution;
    for (;;) {
      const close = this.#closeRequest;
      if (execution.outcome || close) {
        // Child starts recorded come first (see `startChildInOrder`). Crash instead if one
        // failed: the restart's replay starts the child again before the run closes.
        await this.childStartsDone;
        const failure = this.#children?.failure;
        if (failure) throw failure.error;
        if (execution.outcome) return { kind: 'finished', outcome: execution.outcome };
        this.#closeRequest = undefined;
        return { kind: 'closed', outcome: close!.outcome, ack: close!.ack };
      }
      if (this.#stopRequested) return { kind: 'stopped' };
      const item = this.#mailbox.shift();
      if (!item) {
        this.host.waiting(this);
        if (this.#stopRequested || this.#mailbox.length > 0) continue;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
        continue;
      }
      if (this.#duplicate(item.body)) {
        item.ack?.resolve();
        continue;
      }
      if (item.body.type === 'UpdateAccepted') {
        // The validator decides before anything is recorded: a rejected update leaves no trace.
        try {
          execution.validateUpdate(item.body.updateName, item.body.args);
        } catch (error) {
          // Every update comes with its caller's ack (RunUpdates posts it so).
          item.ack?.reject(error);
          continue;
        }
      }
      const recordedAt = item.recordedAt ?? this.host.now();
      if (item.body.type === 'WorkflowPaused' || item.body.type === 'WorkflowResumed' || this.#held) {
        const exit = await this.#pausing(item, recordedAt);
        if (exit) return exit;
        continue;
      }
      try {
        execution.apply(item.body, recordedAt);
      } catch {
        // Late news for something the code no longer waits on (a timer cancelled meanwhile, a
        // cancelled activity finishing): nothing to record.
        item.ack?.resolve();
        continue;
      }
      await this.host.settle();
      const commands = execution.takeCommands();
      const bug = execution.bug;
      if (bug) {
        // A bug is not an outcome: the input is recorded, what the code asked for in the step
        // that threw is not, and the run stalls until a fixed build replays it.
        try {
          await this.#record([item.body], [], recordedAt);
        } catch (error) {
          item.ack?.reject(error);
          throw error;
        }
        item.ack?.resolve();
        return { kind: 'stalled', error: new WorkflowCodeError(this.workflowId, bug.position, bug.error) };
      }
      if (this.#endsWith(commands)) return this.#finalStep([item], commands, recordedAt);
      // `#record`'s two halves in this frame: a run waiting for its step's commit holds no
      // second suspended frame.
      const inputs = this.#inputs(item.body);
      let events: WorkflowEvent[];
      try {
        events = await this.#append(inputs, commands, recordedAt);
      } catch (error) {
        item.ack?.reject(error);
        throw error;
      }
      this.#recorded(inputs, commands, events, recordedAt);
      item.ack?.resolve();
    }
  }

  /**
   * An input while paused, or a pause or resume. A pause is recorded alone (a second one, or a
   * resume of a run that is not paused, records nothing); while paused, every input is recorded
   * at once and held from the code; a resume is recorded with the commands the code issues as
   * it takes the held inputs, in order, at the resume's time (as `applyHeld` replays it).
   */
  async #pausing(item: MailboxItem, recordedAt: number): Promise<RunExit | undefined> {
    const { body } = item;
    const held = this.#held;
    if ((body.type === 'WorkflowPaused' && held) || (body.type === 'WorkflowResumed' && !held)) {
      item.ack?.resolve();
      return undefined;
    }
    if (body.type === 'WorkflowResumed' && held) {
      const execution = this.#execution as WorkflowExecution;
      const commands = await applyHeld(execution, held, recordedAt, this.host.settle);
      this.#held = undefined;
      this.host.pausedChanged(this, false);
      if (this.#endsWith(commands)) return this.#finalStep([item], commands, recordedAt);
      await this.#recordItem(item, commands, recordedAt);
      return undefined;
    }
    await this.#recordItem(item, [], recordedAt);
    if (body.type === 'WorkflowPaused') {
      this.#held = [];
      this.host.pausedChanged(this, true);
    } else {
      this.#held?.push({ body });
    }
    return undefined;
  }

  /** Records an input with the commands it led to, settling its caller's ack either way. */
  async #recordItem(item: MailboxItem, commands: readonly Command[], recordedAt: number): Promise<void> {
    try {
      await this.#record([item.body], commands, recordedAt);
    } catch (error) {
      item.ack?.reject(error);
      throw error;
    }
    item.ack?.resolve();
  }

  /**
   * Whether the step that issued `commands` ended the code and can go to the exit handler
   * unrecorded, to be recorded with the terminal event. Not when it starts a child or child starts
   * are under way: the terminal waits for them (see `startChildInOrder`).
   */
  #endsWith(commands: readonly Command[]): boolean {
    return (
      this.#execution?.outcome !== undefined &&
      (this.#children === undefined || (this.#children.pending === 0 && !this.#children.failure)) &&
      !startsChild(commands)
    );
  }

  /** The exit of a run whose code ended in a step not recorded yet (see {@link FinalStep}). */
  #finalStep(
    items: readonly MailboxItem[],
    commands: readonly Command[],
    recordedAt: number,
    opening?: Opening,
  ): RunExit {
    const note = this.#buildNote;
    const inputs = new Array<EventBody>((note ? 1 : 0) + items.length);
    if (note) inputs[0] = note;
    for (let index = 0; index < items.length; index++)
      inputs[(note ? 1 : 0) + index] = (items[index] as MailboxItem).body;
    return {
      kind: 'finished',
      outcome: this.#execution?.outcome as ExecutionOutcome,
      finalStep: new Run.#UnrecordedFinalStep(this, items, inputs, commands, recordedAt, note, opening),
    };
  }

  /**
   * A final step as the exit handler holds it while it commits: one object, no closures (every
   * run that ends has one, and thousands commit at once).
   */
  static readonly #UnrecordedFinalStep = class UnrecordedFinalStep implements FinalStep {
    readonly bodies: readonly EventBody[];
    readonly afterSeq: number;
    readonly parent: ParentLink | undefined;
    readonly startedChildren: boolean;

    constructor(
      private readonly run: Run,
      private readonly items: readonly MailboxItem[],
      private readonly inputs: readonly EventBody[],
      private readonly commands: readonly Command[],
      readonly recordedAt: number,
      private readonly note: EventBody | undefined,
      private readonly opening: Opening | undefined,
    ) {
      this.bodies = eventBodies(inputs, commands);
      this.afterSeq = run.#seenSeq;
      this.parent = run.#parent;
      this.startedChildren = run.#startedChildren;
    }

    get opens(): boolean {
      return this.opening !== undefined;
    }

    recorded(events: readonly WorkflowEvent[]): void {
      const { run, opening, items } = this;
      if (run.#buildNote === this.note) run.#buildNote = undefined;
      if (opening) run.#opened(opening);
      run.#carryOut(this.inputs, this.commands, events, this.recordedAt);
      for (let index = 0; index < items.length; index++) (items[index] as MailboxItem).ack?.resolve();
    }

    failed(error: unknown): void {
      this.opening?.reject(error);
      for (let index = 0; index < this.items.length; index++)
        (this.items[index] as MailboxItem).ack?.reject(error);
    }
  };

  /** Records an input and the commands it led to in one append, then carries the commands out. */
  async #record(
    given: readonly EventBody[],
    commands: readonly Command[],
    recordedAt: number,
  ): Promise<void> {
    if (given.length === 0 && commands.length === 0) return;
    const note = this.#buildNote;
    const inputs = note ? [note, ...given] : given;
    const events = await this.#append(inputs, commands, recordedAt);
    this.#recorded(inputs, commands, events, recordedAt);
  }

  /** A step's inputs: its input, after the BuildChanged the run owes, if it owes one. */
  #inputs(input: EventBody): EventBody[] {
    const note = this.#buildNote;
    return note ? [note, input] : [input];
  }

  /** Appends a step: its inputs, then its commands' events, on top of what the run has seen. */
  #append(
    inputs: readonly EventBody[],
    commands: readonly Command[],
    recordedAt: number,
  ): Promise<WorkflowEvent[]> {
    return this.recorder.appendInTurn(eventBodies(inputs, commands), recordedAt, this.#seenSeq);
  }

  /** A step appended by `#append` is durable: the BuildChanged among its inputs is paid, its commands are carried out. */
  #recorded(
    inputs: readonly EventBody[],
    commands: readonly Command[],
    events: readonly WorkflowEvent[],
    recordedAt: number,
  ): void {
    if (this.#buildNote !== undefined && inputs[0] === this.#buildNote) this.#buildNote = undefined;
    this.#carryOut(inputs, commands, events, recordedAt);
  }

  /** After a step is recorded (`events`): the run's view of its activities, then its commands' effects. */
  #carryOut(
    inputs: readonly EventBody[],
    commands: readonly Command[],
    events: readonly WorkflowEvent[],
    recordedAt: number,
  ): void {
    this.#seenSeq = events.at(-1)?.seq ?? this.#seenSeq;
    this.memory.loggedThrough = Math.max(this.memory.loggedThrough, this.#seenSeq);
    if (startsChild(commands)) this.#childState().started = true;
    // Indexed loops: this runs at every step of every run, and for-of allocates its iterators
    // until the function is optimized.
    for (let index = 0; index < inputs.length; index++) this.#noteInput(inputs[index] as EventBody);
    for (let index = 0; index < commands.length; index++) {
      const command = commands[index] as Command;
      if (command.kind === 'ScheduleActivity') {
        this.#trackActivity(command.activityId, {
          activityType: command.activityType,
          options: command.options,
          input: command.input,
          scheduledAt: recordedAt,
          attemptsEnded: 0,
        });
      }
      if (command.kind === 'RequestCancelActivity') this.#activityStates?.delete(command.activityId);
      this.host.perform(this, command, events[inputs.length + index] as WorkflowEvent);
    }
    for (let index = 0; index < inputs.length; index++) this.#followUp(inputs[index] as EventBody);
  }

  /** A signal whose request id this run has recorded, or a second cancel request: nothing to record. */
  #duplicate(input: EventBody): boolean {
    if (input.type === 'WorkflowCancelRequested') return this.#execution?.cancelRequested === true;
    if (input.type === 'ActivityFailed' || input.type === 'ActivityCompleted') {
      return staleActivityNews(this.#activityStates, input);
    }
    if (input.type === 'UpdateAccepted') return this.#updateIds?.has(input.updateId) === true;
    if (input.type !== 'SignalReceived' || input.requestId === undefined) return false;
    return this.#requestIds?.has(input.requestId) === true;
  }

  #noteUpdateId(updateId: string): void {
    this.#updateIds ??= new Set();
    this.#updateIds.add(updateId);
  }

  #noteInput(input: EventBody): void {
    if (input.type === 'UpdateAccepted') this.#noteUpdateId(input.updateId);
    if (input.type === 'SignalReceived' && input.requestId !== undefined)
      this.#noteRequestId(input.requestId);
    noteActivityEnd(this.#activityStates, input);
  }

  /** After a retried failure is recorded, the next attempt is due at its time. */
  #followUp(input: EventBody): void {
    if (input.type !== 'ActivityFailed' || input.retryAt === undefined) return;
    const state = this.activities.get(input.activityId);
    if (state) this.host.startActivity(nextAttempt(this, input.activityId, state));
  }

  /** After replay: re-run activities that have no outcome yet, re-arm timers that have not fired. */
  #resume(
    segment: readonly WorkflowEvent[],
    matched: readonly Command[],
    unmatched: readonly Command[],
  ): void {
    const execution = this.#execution as WorkflowExecution;
    for (const event of segment) {
      if (event.type === 'SignalReceived' && event.requestId !== undefined)
        this.#noteRequestId(event.requestId);
      if (event.type === 'UpdateAccepted') this.#noteUpdateId(event.updateId);
    }
    // Every run passes here once it is in memory, a new one too: nothing is made for what it lacks.
    this.#activityStates = restoreActivityStates(segment, matched, execution.pendingActivityIds());
    if (this.#activityStates) {
      // An attempt whose end arrived while the run was out of memory is not run again: recording
      // that end asks for the next attempt, if any.
      const ended = attemptsEndedIn(this.#mailbox);
      for (const [activityId, state] of this.#activityStates) {
        if ((ended.get(activityId) ?? 0) <= state.attemptsEnded)
          this.host.startActivity(nextAttempt(this, activityId, state));
      }
    }
    const timers = execution.pendingTimers();
    if (timers.size > 0) {
      // Timers the code started beyond its history are armed once recorded, like any new command.
      const unrecorded = new Set(
        unmatched.flatMap((command) => (command.kind === 'StartTimer' ? [command.timerId] : [])),
      );
      // A timer whose firing is recorded and held by a pause has fired: it is not armed again.
      for (const { body } of this.#held ?? []) if (body.type === 'TimerFired') unrecorded.add(body.timerId);
      for (const [timerId, fireAt] of timers) {
        if (!unrecorded.has(timerId)) this.host.armTimer(this, timerId, fireAt);
      }
    }
    // Children started beyond the history start when recorded, like any new command.
    if (this.#startedChildren) {
      const waitedOn = execution.pendingChildren();
      for (const event of segment) {
        if (event.type === 'ChildWorkflowStarted' && waitedOn.get(event.childId) === event.childWorkflowId) {
          this.host.resumeChild(this, event);
        }
      }
    }
    // A delivery may have been lost with the process; targets drop the ones they have.
    if (this.#resendSignals) {
      for (const event of segment) if (event.type === 'SignalSent') this.host.sendSignal(this, event);
    }
  }
}
