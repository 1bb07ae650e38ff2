import {
  type Command,
  commandEvent,
  commandMatchKey,
  describeCommandEvent,
  isCommandEvent,
} from './commands.js';
import type { WorkflowDefinition } from './definitions.js';
import { NonDeterminismError } from './errors.js';
import type { EventBody, EventOf, WorkflowEvent } from './events.js';
import type { TerminalOutcome } from './run-segment.js';
import { terminalOutcomeOfEvent } from './run-segment.js';
import { type ExecutionInit, WorkflowExecution } from './workflow-execution.js';

/** Waits until every pending microtask has run, so the workflow code is blocked on ctx again. */
export type Settle = () => Promise<void>;

/** The barrier callers of this turn share (see {@link settle}); undefined when none is pending. */
let pendingBarrier: Promise<void> | undefined;

/**
 * The default barrier: one macrotask turn lets all queued microtasks run first. Every caller of
 * the same turn shares one immediate and one promise: thousands of runs stepping at once would
 * otherwise each queue their own. A caller after the immediate has fired gets the next one.
 */
export const settle: Settle = () => {
  pendingBarrier ??= new Promise((resolve) =>
    setImmediate(() => {
      pendingBarrier = undefined;
      resolve();
    }),
  );
  return pendingBarrier;
};

/** The interpreter's start parameters, read from a run's WorkflowStarted. */
export function executionInitFromStart(
  started: EventOf<'WorkflowStarted'>,
  definition: WorkflowDefinition<never, unknown>,
  extra: Pick<
    ExecutionInit,
    'checkSearchAttributes' | 'maxPayloadBytes' | 'isActivityRegistered' | 'log'
  > = {},
): ExecutionInit {
  // Every field named (those `extra` lacks as undefined): the object, held for the run's life,
  // keeps them all in itself, where a spread of `extra` spilled them into a second array.
  return {
    workflowId: started.workflowId,
    runId: started.runId,
    workflowType: started.workflowType,
    input: started.input,
    startedAt: started.recordedAt,
    definition,
    checkSearchAttributes: extra.checkSearchAttributes,
    maxPayloadBytes: extra.maxPayloadBytes,
    isActivityRegistered: extra.isActivityRegistered,
    log: extra.log,
  };
}

/** A run brought back to where its history ends. */
export interface ReplayResult {
  /** The run's interpreter, with every recorded event applied; the engine carries on with it. */
  readonly execution: WorkflowExecution;
  /** Commands the code issued past the end of history: new work, not yet recorded. */
  readonly unmatched: Command[];
  /**
   * The seq of the event after which the code issued the first unmatched command (the run's
   * WorkflowStarted for its first step); `undefined` when every command was matched. An
   * append holds an input together with the commands it led to, so a command of this run
   * recorded after that event means the step was recorded without this command.
   */
  readonly unmatchedAfter: number | undefined;
  /** Commands matched to recorded events, in order (their options are not recorded, only issued). */
  readonly matched: Command[];
  /** The run's recorded terminal outcome, if its segment has one. */
  readonly recordedOutcome: TerminalOutcome | undefined;
  /**
   * Set when the history leaves the run paused: the inputs recorded since its WorkflowPaused,
   * held from the code (see {@link applyHeld}); the engine applies them when it resumes.
   */
  readonly paused: { readonly held: readonly WorkflowEvent[] } | undefined;
}

/**
 * Applies the inputs a paused run held, in recorded order, as a resume does: each at the time of
 * the resume (`ctx.now()`), settling the code after each. An input the code cannot take (news
 * for something it no longer waits on) is passed over, live and on replay alike. Returns the
 * commands the code issued.
 */
export async function applyHeld(
  execution: WorkflowExecution,
  held: readonly { readonly body: EventBody }[],
  resumedAt: number,
  barrier: Settle,
): Promise<Command[]> {
  const commands: Command[] = [];
  for (const { body } of held) {
    if (execution.outcome) break;
    try {
      execution.apply(body, resumedAt);
    } catch {
      continue;
    }
    await barrier();
    commands.push(...execution.takeCommands());
  }
  return commands;
}

/** Options of {@link replayRun}. */
export interface ReplayOptions {
  /** The barrier after each step; {@link settle} by default. */
  readonly settle?: Settle;
  /**
   * `ctx.log` stays silent in the steps whose input has a seq up to this one (the start's is
   * its WorkflowStarted's): their lines were written when those steps first ran. Default: every
   * step is silent (a replay for checking writes no log). The execution logs again afterwards.
   */
  readonly loggedThrough?: number;
  /**
   * The run's WorkflowStarted is not recorded yet: its first step is new work (`ctx.patched`
   * records), and its `ctx.log` lines are held until the caller, once the start is durable,
   * calls `execution.releaseLog()` (an abandoned start writes none).
   */
  readonly opening?: boolean;
}

/**
 * Re-executes a run against its recorded segment (its WorkflowStarted first). Recorded inputs
 * are applied in order, settling the code after each; every recorded command must match the
 * next command the code issued, by kind and name. A mismatch throws `NonDeterminismError`
 * naming the position, the recorded event and what the code asked for.
 */
export function replayRun(
  init: ExecutionInit,
  segment: readonly WorkflowEvent[],
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  // A run being opened whose segment is its WorkflowStarted alone (every start of a new run)
  // has nothing recorded to match: the general replay would only run its first step.
  if (options.opening && segment.length === 1) return openRun(init, segment[0] as WorkflowEvent, options);
  return replaySegment(init, segment, options);
}

/** Calls the workflow function for the step of `started`, as replay has it re-run or run anew. */
function startExecution(
  init: ExecutionInit,
  started: WorkflowEvent | undefined,
  recordedStep: boolean,
  patches: readonly string[],
  loggedThrough: number,
  opening = false,
): WorkflowExecution {
  const execution = new WorkflowExecution(init);
  execution.replayStep(recordedStep, patches);
  execution.silent = (started?.seq ?? 0) <= loggedThrough;
  if (opening) execution.holdLog();
  execution.start();
  return execution;
}

/** What the code does from here on is new work. */
function endReplay(execution: WorkflowExecution): void {
  execution.replayStep(false);
  execution.silent = false;
}

/** No PatchMarker: what a step with none recorded holds. */
const NO_PATCHES: readonly string[] = Object.freeze([]);

/**
 * {@link replayRun} of a run whose segment is only its WorkflowStarted, not recorded yet: its
 * first step is new work (no marker recorded), every command it issues is unmatched, nothing is
 * matched, recorded or held. Spared the general replay's bookkeeping: every new run passes here.
 */
function openRun(init: ExecutionInit, started: WorkflowEvent, options: ReplayOptions): Promise<ReplayResult> {
  let execution: WorkflowExecution;
  try {
    execution = startExecution(
      init,
      started,
      false,
      NO_PATCHES,
      options.loggedThrough ?? Number.POSITIVE_INFINITY,
      true,
    );
  } catch (error) {
    return Promise.reject(error);
  }
  // Chained, not awaited: thousands of new runs wait on the barrier at once, with no frame each.
  return (options.settle ?? settle)().then(() => {
    const unmatched = execution.takeCommands();
    endReplay(execution);
    return {
      execution,
      unmatched,
      unmatchedAfter: unmatched.length > 0 ? started.seq : undefined,
      matched: [],
      recordedOutcome: undefined,
      paused: undefined,
    };
  });
}

/** {@link replayRun} of any segment. */
async function replaySegment(
  init: ExecutionInit,
  segment: readonly WorkflowEvent[],
  options: ReplayOptions,
): Promise<ReplayResult> {
  const barrier = options.settle ?? settle;
  const loggedThrough = options.loggedThrough ?? Number.POSITIVE_INFINITY;
  const lastRecorded = lastRecordedIndex(segment, init.runId);
  const execution = startExecution(
    init,
    segment[0],
    lastRecorded > 0 || (!options.opening && startRecordedWithFirstStep(segment[0])),
    stepPatches(segment, 0),
    loggedThrough,
  );
  await barrier();
  const issued: Command[] = execution.takeCommands();
  // For each command in `issued`, the seq of the event whose step issued it.
  const issuedAfter: number[] = issued.map(() => segment[0]?.seq ?? 0);
  const matched: Command[] = [];
  let position = 0;
  let recordedOutcome: TerminalOutcome | undefined;
  let held: WorkflowEvent[] | undefined;
  for (let index = 1; index < segment.length; index++) {
    const event = segment[index] as WorkflowEvent;
    recordedOutcome = terminalOutcomeOfEvent(event, init.runId);
    if (recordedOutcome) break;
    // A marker takes no part in matching: its only effect is the answer `ctx.patched` gives.
    if (event.type === 'PatchMarker') continue;
    // Which build carries the run on is no input to its code.
    if (event.type === 'BuildChanged') continue;
    if (isCommandEvent(event)) {
      const command = issued.shift();
      issuedAfter.shift();
      const recorded = describeCommandEvent(event);
      if (!command) {
        const bug = execution.bug;
        throw new NonDeterminismError(
          init.workflowId,
          position,
          recorded,
          bug ? `nothing: the code threw ${bug.error.name}: ${bug.error.message}` : undefined,
          event.seq,
        );
      }
      const requested = commandEvent(command);
      if (commandMatchKey(requested) !== commandMatchKey(event)) {
        throw new NonDeterminismError(
          init.workflowId,
          position,
          recorded,
          describeCommandEvent(requested),
          event.seq,
        );
      }
      matched.push(command);
      position++;
      if (command.kind === 'SendSignal' && event.type === 'SignalSent' && event.signalId === undefined) {
        // Recorded before signals had outcomes: it counted as sent then, so the code goes on now.
        execution.signalRecordedWithoutOutcome(command.signalId);
        await barrier();
        for (const next of execution.takeCommands()) {
          issued.push(next);
          issuedAfter.push(event.seq);
        }
      }
      continue;
    }
    if (execution.outcome) continue;
    execution.replayStep(index < lastRecorded, stepPatches(segment, index));
    execution.silent = event.seq <= loggedThrough;
    if (event.type === 'WorkflowPaused') {
      held ??= [];
      continue;
    }
    if (event.type === 'WorkflowResumed') {
      if (!held) continue;
      const resumed = held.map((body) => ({ body }));
      held = undefined;
      for (const command of await applyHeld(execution, resumed, event.recordedAt, barrier)) {
        issued.push(command);
        issuedAfter.push(event.seq);
      }
      continue;
    }
    if (held) {
      held.push(event);
      continue;
    }
    try {
      execution.apply(event, event.recordedAt);
    } catch (error) {
      throw new NonDeterminismError(
        init.workflowId,
        position,
        `${event.type} (seq ${event.seq})`,
        (error as Error).message,
        event.seq,
      );
    }
    await barrier();
    for (const command of execution.takeCommands()) {
      issued.push(command);
      issuedAfter.push(event.seq);
    }
  }
  endReplay(execution);
  return {
    execution,
    unmatched: issued,
    unmatchedAfter: issuedAfter[0],
    matched,
    recordedOutcome,
    paused: held ? { held } : undefined,
  };
}

/**
 * The index of the last event of `segment` that shows the steps before it were recorded: a
 * command event (an append holds an input with every command it led to), or an end the run's
 * code recorded (a time-out is imposed from outside). A step starting after it is new work:
 * its input was recorded while the run was not in memory, or it is about to be recorded.
 */
function lastRecordedIndex(segment: readonly WorkflowEvent[], runId: ExecutionInit['runId']): number {
  for (let index = segment.length - 1; index > 0; index--) {
    const event = segment[index] as WorkflowEvent;
    if (isCommandEvent(event)) return index;
    const outcome = terminalOutcomeOfEvent(event, runId);
    if (outcome && outcome.status !== 'TimedOut') return index;
  }
  return 0;
}

/**
 * A client's start is recorded in one append with the commands of the code's first step, so
 * that step was recorded (with no command, if none follows). A child's or a successor's
 * WorkflowStarted is recorded by another run, before its own first step: with nothing after
 * it, that step counts as new work.
 */
function startRecordedWithFirstStep(started: WorkflowEvent | undefined): boolean {
  return started?.type === 'WorkflowStarted' && started.parentRunId === null && started.parent === undefined;
}

/** The PatchMarkers recorded in the step that starts at `segment[from]` (its command events). */
function stepPatches(segment: readonly WorkflowEvent[], from: number): string[] {
  const patchIds: string[] = [];
  for (let index = from + 1; index < segment.length; index++) {
    const event = segment[index] as WorkflowEvent;
    if (event.type === 'PatchMarker') patchIds.push(event.patchId);
    else if (!isCommandEvent(event) && event.type !== 'BuildChanged') break;
  }
  return patchIds;
}
