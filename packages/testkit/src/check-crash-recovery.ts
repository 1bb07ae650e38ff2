import {
  runSegment,
  type TerminalOutcome,
  terminalOutcomeFromHistory,
  type WorkflowDefinition,
  type WorkflowEvent,
  type WorkflowId,
} from '@reprise/core';
import { isCommandEvent, latestStart } from '@reprise/core/internal';
import { seededStream } from './ambient.js';
import { CaseFailure, runCheck } from './check-error.js';
import { describeOutcome } from './history-replay.js';
import { describeDuplicate, findDuplicateEffect } from './recorded-effects.js';
import { stableRunNames, withRunNames } from './run-names.js';
import {
  CHECKED_WORKFLOW_ID,
  describeScenario,
  type Scenario,
  type ScenarioOptions,
  ScenarioWorld,
  scenarioArbitrary,
} from './scenario.js';
import {
  type DriveEnd,
  driveToEnd,
  type RecordedAppend,
  type RecordingStore,
  recordingStore,
  workflowIdsOf,
} from './scenario-driver.js';
import { DEFAULT_TEST_START } from './test-engine.js';
import { formatTimeline, renameRuns } from './timeline.js';

/** Options of `checkCrashRecovery`. */
export type CheckCrashRecoveryOptions<I> = ScenarioOptions<I>;

/**
 * A property of a user's own workflow: for generated inputs and activity outcomes, the workflow
 * runs to its end on a test engine, every append to the store logged. Then, for every prefix of
 * that log (a crash just after each append, the workflow's children included), the prefix is
 * copied into a fresh store and a fresh engine recovers from it and runs on to the end. Each
 * recovery must end the workflow as the uninterrupted run did, without recording any effect
 * twice (an activity scheduled or completed, a child started, a timer fired, a terminal event),
 * and without stalling on a replay that diverges from the prefix.
 *
 * Resolves when every case passes; rejects with a `ReplayCheckError` showing the shrunk
 * counterexample: where the crash was, and the recovered history with the problem marked.
 */
export async function checkCrashRecovery<I, O>(
  workflow: WorkflowDefinition<I, O>,
  options: CheckCrashRecoveryOptions<I>,
): Promise<void> {
  await runCheck(
    `checkCrashRecovery(${workflow.name})`,
    scenarioArbitrary(options),
    (scenario) => checkOneRecovery(workflow as WorkflowDefinition<I, unknown>, options, scenario),
    options,
    10,
  );
}

interface Ending {
  readonly end: DriveEnd;
  readonly outcome: TerminalOutcome | undefined;
}

async function endingOf(store: RecordingStore, end: DriveEnd): Promise<Ending> {
  const history = await store.data.readHistory(CHECKED_WORKFLOW_ID);
  const start = latestStart(history);
  return { end, outcome: start ? terminalOutcomeFromHistory(history, start.runId) : undefined };
}

/** A stalled run as the engine describes it while it is up. */
interface Stall {
  readonly workflowId: WorkflowId;
  readonly reason: string;
  readonly position: number;
  /** `bug`: the code threw a programming error (it stalls live runs too); else replay diverged. */
  readonly cause: 'nonDeterminism' | 'bug';
}

async function checkOneRecovery<I>(
  workflow: WorkflowDefinition<I, unknown>,
  options: CheckCrashRecoveryOptions<I>,
  scenario: Scenario<I>,
): Promise<void> {
  const world = new ScenarioWorld(workflow, options, scenario);
  const original = await endingOf(world.recording, await world.runLive());
  const log = [...world.recording.appends];
  const originalHistories = new Map<string, WorkflowEvent[]>();
  for (const workflowId of workflowIdsOf(log)) {
    originalHistories.set(workflowId, await world.recording.data.readHistory(workflowId));
  }
  const originalNames = await stableRunNames(originalHistories);
  for (let kept = 1; kept <= log.length; kept++) {
    const prefix = log.slice(0, kept);
    const restored = await restore(prefix);
    const crashedAt = Math.max(...prefix.flatMap((append) => append.events.map((event) => event.recordedAt)));
    const stalls: Stall[] = [];
    const end = await world.withEngine(
      restored,
      crashedAt,
      seededStream(scenario.seed + kept),
      async (env) => {
        const driven = await driveToEnd(env, CHECKED_WORKFLOW_ID, [], DEFAULT_TEST_START, world.horizonMs);
        for (const workflowId of workflowIdsOf([...prefix, ...restored.appends])) {
          const stalled = (await env.engine.getHandle(workflowId).describe()).stalled;
          if (stalled) stalls.push({ workflowId, ...stalled });
        }
        return driven;
      },
    );
    const histories = new Map<string, WorkflowEvent[]>();
    for (const workflowId of workflowIdsOf([...prefix, ...restored.appends])) {
      histories.set(workflowId, await restored.data.readHistory(workflowId));
    }
    const crash = describeCrash(prefix, log.length);
    const fail = (problem: string, workflowId: string, seq: number | undefined, note: string) => {
      const history = histories.get(workflowId) ?? [];
      const report = [
        problem,
        `  ${crash}`,
        '',
        formatTimeline(history, { seq, note }),
        '',
        describeScenario(scenario, world.scripted),
      ].join('\n');
      return new CaseFailure(renameRuns(report, history));
    };
    const stall = stalls[0];
    if (stall) {
      const history = histories.get(stall.workflowId) ?? [];
      throw fail(
        stall.cause === 'bug'
          ? `recovery of ${JSON.stringify(stall.workflowId)} stalled: its code threw a bug (a TypeError or kin stalls a run; see stallOn).`
          : `recovery of ${JSON.stringify(stall.workflowId)} stalled: its replay diverged from the history recorded before the crash.`,
        stall.workflowId,
        commandSeq(history, stall.position),
        `recovery: ${stall.reason}`,
      );
    }
    const duplicate = findDuplicateEffect(histories);
    if (duplicate) {
      throw fail(
        `recovery recorded an effect twice: ${describeDuplicate(duplicate)}`,
        duplicate.workflowId,
        duplicate.second.seq,
        `recorded again (first at #${duplicate.first.seq})`,
      );
    }
    const recovered = await endingOf(restored, end);
    if (!sameEnding(original, recovered, originalNames, await stableRunNames(histories))) {
      const history = histories.get(CHECKED_WORKFLOW_ID) ?? [];
      const last = history[history.length - 1];
      throw fail(
        `recovery ended ${JSON.stringify(CHECKED_WORKFLOW_ID)} differently: without a crash it ${endingText(original)}; after the crash it ${endingText(recovered)}.`,
        CHECKED_WORKFLOW_ID,
        recovered.outcome ? last?.seq : undefined,
        recovered.outcome ? 'ends differently from the run without a crash' : 'the run never got here',
      );
    }
  }
}

/** A fresh recording store holding exactly the given appends. */
async function restore(prefix: readonly RecordedAppend[]): Promise<RecordingStore> {
  const restored = recordingStore();
  for (const append of prefix) {
    const expectedSeq = (append.events[0] as WorkflowEvent).seq - 1;
    await restored.data.append(append.workflowId, append.events, { expectedSeq });
  }
  return restored;
}

function describeCrash(prefix: readonly RecordedAppend[], total: number): string {
  const last = prefix[prefix.length - 1] as RecordedAppend;
  const seqs = last.events.map((event) => event.seq);
  const span = seqs.length === 1 ? `#${seqs[0]}` : `#${seqs[0]}-#${seqs[seqs.length - 1]}`;
  return `crash after append ${prefix.length} of ${total} (${span} of ${JSON.stringify(last.workflowId)}); a fresh engine recovered from there`;
}

/** The seq of the command at `position` (0-based) in the latest run of `history`. */
function commandSeq(history: readonly WorkflowEvent[], position: number): number | undefined {
  const start = latestStart(history);
  if (!start) return undefined;
  return runSegment(history, start.runId).filter(
    (event) => isCommandEvent(event) && event.type !== 'PatchMarker',
  )[position]?.seq;
}

/** Whether two endings agree, run ids (which differ for runs started after the crash) named by place. */
function sameEnding(a: Ending, b: Ending, namesA: Map<string, string>, namesB: Map<string, string>): boolean {
  if (a.outcome && b.outcome) {
    return (
      withRunNames(describeOutcome(a.outcome, true), namesA) ===
      withRunNames(describeOutcome(b.outcome, true), namesB)
    );
  }
  return a.outcome === undefined && b.outcome === undefined && a.end === b.end;
}

function endingText(ending: Ending): string {
  if (ending.outcome) return `ended ${describeOutcome(ending.outcome)}`;
  return ending.end === 'waiting'
    ? 'was left waiting for something that never came'
    : 'had not ended by the horizon';
}
