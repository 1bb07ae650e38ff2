import {
  type Duration,
  type JsonValue,
  toMs,
  type WorkflowDefinition,
  type WorkflowEvent,
} from '@reprise/core';
import fc from 'fast-check';
import { mirroredStream, withAmbient } from './ambient.js';
import { CaseFailure, runCheck } from './check-error.js';
import { replayWorkflowHistory } from './history-replay.js';
import { describeDuplicate, findDuplicateEffect } from './recorded-effects.js';
import {
  CHECKED_WORKFLOW_ID,
  describeScenario,
  type Scenario,
  type ScenarioOptions,
  ScenarioWorld,
  scenarioArbitrary,
} from './scenario.js';
import { type Delivery, workflowIdsOf } from './scenario-driver.js';
import { briefDuration, formatTimeline, renameRuns } from './timeline.js';

/** Signals a generated scenario sends the workflow. */
export interface SignalSpec {
  /** The signal's name, as the workflow waits for it. */
  readonly name: string;
  /** Payloads to send; `null` if not given. */
  readonly payload?: fc.Arbitrary<JsonValue>;
  /** At most this many of this signal per scenario (2 by default). */
  readonly maxCount?: number;
  /** Sent at generated times within this long after the start (1 hour by default). */
  readonly within?: Duration;
}

/** Options of `checkReplay`. */
export interface CheckReplayOptions<I> extends ScenarioOptions<I> {
  /** Signals to send at generated times. */
  readonly signals?: readonly SignalSpec[];
  /**
   * Ask the workflow to cancel at a generated time (in most scenarios), and hold it to the
   * contract: a run asked to cancel must not complete normally. A workflow that means to
   * complete after a cancel says `{ mayComplete: true }`; its replay is still checked.
   */
  readonly cancel?: boolean | { readonly within?: Duration; readonly mayComplete?: boolean };
}

const DEFAULT_WINDOW: Duration = '1h';

function deliveriesArbitrary<I>(options: CheckReplayOptions<I>): fc.Arbitrary<readonly Delivery[]> {
  const parts: fc.Arbitrary<readonly Delivery[]>[] = (options.signals ?? []).map((spec) =>
    fc.array(
      fc.record({
        kind: fc.constant('signal' as const),
        at: fc.integer({ min: 0, max: toMs(spec.within ?? DEFAULT_WINDOW) }),
        name: fc.constant(spec.name),
        payload: spec.payload ?? (fc.constant(null) as fc.Arbitrary<JsonValue>),
      }),
      { maxLength: spec.maxCount ?? 2 },
    ),
  );
  if (options.cancel) {
    const within = typeof options.cancel === 'object' ? options.cancel.within : undefined;
    parts.push(
      fc
        .option(fc.integer({ min: 0, max: toMs(within ?? DEFAULT_WINDOW) }), { freq: 4 })
        .map((at): readonly Delivery[] => (at === null ? [] : [{ kind: 'cancel', at }])),
    );
  }
  return fc.tuple(...parts).map((lists) => lists.flat());
}

/**
 * A property of a user's own workflow: for generated inputs, activity outcomes (results,
 * failures, hangs, latencies), signal timings and cancellations, the workflow runs on a test
 * engine, and then every recorded run (children included) is replayed with the same code and
 * must ask for the same commands in the same order and end the same way. On replay, `Date.now()`
 * reads a time days later and `Math.random()` other values than in the first run, so code that
 * reads them where it should use `ctx.now()` / `ctx.random()` diverges every time.
 *
 * Resolves when every case passes; rejects with a `ReplayCheckError` whose message shows the
 * shrunk counterexample: the recorded history as a numbered timeline, the divergence marked.
 */
export async function checkReplay<I, O>(
  workflow: WorkflowDefinition<I, O>,
  options: CheckReplayOptions<I>,
): Promise<void> {
  const mayComplete = typeof options.cancel === 'object' && options.cancel.mayComplete === true;
  await runCheck(
    `checkReplay(${workflow.name})`,
    scenarioArbitrary(options, deliveriesArbitrary(options)),
    async (scenario) =>
      checkOneReplay(workflow as WorkflowDefinition<I, unknown>, options, scenario, mayComplete),
    options,
    25,
  );
}

/**
 * How much later than the first run its replay pretends to happen: from the test engine's
 * start (a Thursday, just after midnight UTC) this lands on a Saturday afternoon, so a check
 * of the weekday, the weekend, the hour or the date flips.
 */
const REPLAY_LATER_MS = 9 * 86_400_000 + 13 * 3_600_000 + 7_000;

async function checkOneReplay<I>(
  workflow: WorkflowDefinition<I, unknown>,
  options: CheckReplayOptions<I>,
  scenario: Scenario<I>,
  mayComplete: boolean,
): Promise<void> {
  const world = new ScenarioWorld(workflow, options, scenario);
  await world.runLive();
  const { data, appends } = world.recording;
  const histories = new Map<string, WorkflowEvent[]>();
  for (const workflowId of workflowIdsOf(appends))
    histories.set(workflowId, await data.readHistory(workflowId));
  const lastRecorded = Math.max(
    ...appends.flatMap((append) => append.events.map((event) => event.recordedAt)),
  );
  const replayed = mirroredStream(scenario.seed);
  for (const [workflowId, history] of histories) {
    const replay = await withAmbient({ now: () => lastRecorded + REPLAY_LATER_MS, random: replayed }, () =>
      replayWorkflowHistory(world.definitions, history),
    );
    const divergence = replay.divergence;
    if (divergence) {
      const { error, seq } = divergence;
      const at = seq === undefined ? 'after its last event' : `at #${seq}`;
      const report = [
        `replay of ${JSON.stringify(workflowId)} diverged from its recorded history ${at}:`,
        `  recorded ${error.recorded ?? 'nothing'}, code asked for ${error.requested ?? 'nothing'}`,
        '',
        formatTimeline(history, {
          seq: divergence.seq,
          note: `replay: code asked for ${divergence.error.requested ?? 'nothing'}`,
        }),
        '',
        describeScenario(scenario, world.scripted),
        `  replayed as if ${briefDuration(REPLAY_LATER_MS)} later, with Math.random() drawing other values`,
      ].join('\n');
      throw new CaseFailure(renameRuns(report, history));
    }
  }
  const duplicate = findDuplicateEffect(histories);
  if (duplicate) {
    const history = histories.get(duplicate.workflowId) ?? [];
    const report = [
      `the engine recorded an effect twice: ${describeDuplicate(duplicate)}`,
      '',
      formatTimeline(history, {
        seq: duplicate.second.seq,
        note: `recorded again (first at #${duplicate.first.seq})`,
      }),
      '',
      describeScenario(scenario, world.scripted),
    ].join('\n');
    throw new CaseFailure(renameRuns(report, history));
  }
  if (!mayComplete) {
    const swallowed = swallowedCancellation(histories.get(CHECKED_WORKFLOW_ID) ?? []);
    if (swallowed) {
      throw new CaseFailure(
        [
          `${JSON.stringify(CHECKED_WORKFLOW_ID)} swallowed a cancellation: asked to cancel at #${swallowed.requested.seq}, it completed normally at #${swallowed.completed.seq}.`,
          '  Code that catches the CancelledError should clean up (in ctx.nonCancellable) and rethrow it, so the run',
          '  ends Cancelled. If completing after a cancel is intended, pass cancel: { mayComplete: true }.',
          '',
          formatTimeline(histories.get(CHECKED_WORKFLOW_ID) ?? [], {
            seq: swallowed.completed.seq,
            note: `completed although cancellation was requested at #${swallowed.requested.seq}`,
          }),
          '',
          describeScenario(scenario, world.scripted),
        ].join('\n'),
      );
    }
  }
}

const CLOSING = new Set([
  'WorkflowFailed',
  'WorkflowCancelled',
  'WorkflowTerminated',
  'WorkflowTimedOut',
  'WorkflowContinuedAsNew',
]);

/** A run that recorded a cancel request and then completed normally. */
function swallowedCancellation(
  history: readonly WorkflowEvent[],
): { requested: WorkflowEvent; completed: WorkflowEvent } | undefined {
  let requested: WorkflowEvent | undefined;
  for (const event of history) {
    if (event.type === 'WorkflowStarted') requested = undefined;
    if (event.type === 'WorkflowCancelRequested') requested ??= event;
    if (requested && event.type === 'WorkflowCompleted') return { requested, completed: event };
    if (CLOSING.has(event.type)) requested = undefined;
  }
  return undefined;
}
