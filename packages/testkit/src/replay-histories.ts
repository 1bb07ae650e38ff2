import { NonDeterminismError, type RunId, type WorkflowEvent } from '@reprise/core';
import { type ExportedHistory, readExportedHistory } from './exported-history.js';
import { type AnyWorkflowDefinition, replayWorkflowHistory } from './history-replay.js';
import { formatTimeline, renameRuns } from './timeline.js';

/** A history the current code replays as recorded. */
export interface HistoryReplayOk {
  /** The history's workflow id. */
  readonly workflowId: string;
  /** Tells a replayed history from a failed one. */
  readonly ok: true;
  /** How many runs it holds. */
  readonly runs: number;
}

/** A history the current code cannot replay. */
export interface HistoryReplayFailure {
  /** The history's workflow id. */
  readonly workflowId: string;
  /** Tells a failed history from a replayed one. */
  readonly ok: false;
  /**
   * A `NonDeterminismError` when the code diverges from the history (its `position` is the
   * 0-based command of the run); otherwise why the history could not be replayed at all
   * (a malformed history, a workflow type the code no longer has).
   */
  readonly error: Error;
  /** The run that diverged. */
  readonly runId?: RunId;
  /** The seq of the event the divergence is at (absent: past the last event, or no divergence). */
  readonly seq?: number;
  /** What went wrong, with the history as a numbered timeline and the divergence marked. */
  readonly report: string;
}

/** What `replayHistories` found, one result per history, in the order given. */
export interface ReplayReport {
  /** Whether every history replayed. */
  readonly ok: boolean;
  /** One result per history given, in order. */
  readonly results: readonly (HistoryReplayOk | HistoryReplayFailure)[];
  /** A readable summary: one line per history, then the report of each failure. */
  readonly summary: string;
}

/**
 * Replays recorded histories (exported with `exportHistory`, or arrays of events) against the
 * given workflow code, as CI does before new code is deployed: every run of every history must
 * ask for the recorded commands in order and end as recorded. Never throws for a bad history:
 * each problem is a failed result in the report.
 */
export async function replayHistories(
  workflows: readonly AnyWorkflowDefinition[],
  histories: Iterable<ExportedHistory | readonly WorkflowEvent[]>,
): Promise<ReplayReport> {
  const definitions = new Map(workflows.map((workflow) => [workflow.name, workflow]));
  const results: (HistoryReplayOk | HistoryReplayFailure)[] = [];
  let index = 0;
  for (const given of histories) {
    results.push(await replayOne(definitions, given, index++));
  }
  return { ok: results.every((result) => result.ok), results, summary: summarize(results) };
}

async function replayOne(
  definitions: ReadonlyMap<string, AnyWorkflowDefinition>,
  given: unknown,
  index: number,
): Promise<HistoryReplayOk | HistoryReplayFailure> {
  let history: ExportedHistory;
  try {
    history = readExportedHistory(given);
  } catch (error) {
    const workflowId = `(history ${index + 1})`;
    return {
      workflowId,
      ok: false,
      error: error as Error,
      report: `${workflowId}: ${(error as Error).message}`,
    };
  }
  const { workflowId, events } = history;
  try {
    const replay = await replayWorkflowHistory(definitions, events);
    if (!replay.divergence) return { workflowId, ok: true, runs: replay.runs.length };
    const { error, runId, seq } = replay.divergence;
    const at = seq === undefined ? 'after its last event' : `at #${seq}`;
    const report = [
      `${JSON.stringify(workflowId)} diverged ${at}: recorded ${error.recorded ?? 'nothing'}, code asked for ${error.requested ?? 'nothing'}`,
      formatTimeline(events, { seq, note: `current code asked for ${error.requested ?? 'nothing'}` }),
    ].join('\n');
    return {
      workflowId,
      ok: false,
      error,
      runId,
      ...(seq === undefined ? {} : { seq }),
      report: renameRuns(report, events),
    };
  } catch (error) {
    const reason = error instanceof Error ? error : new Error(String(error));
    return {
      workflowId,
      ok: false,
      error: reason,
      report: `${JSON.stringify(workflowId)}: ${reason.message}`,
    };
  }
}

function summarize(results: readonly (HistoryReplayOk | HistoryReplayFailure)[]): string {
  const failures = results.filter((result): result is HistoryReplayFailure => !result.ok);
  const lines = [
    `replayed ${results.length} histor${results.length === 1 ? 'y' : 'ies'} against the current code: ${
      results.length - failures.length
    } ok, ${failures.length} failed`,
  ];
  for (const result of results) {
    if (result.ok) {
      lines.push(`  ok      ${result.workflowId} (${result.runs} run${result.runs === 1 ? '' : 's'})`);
    } else {
      const kind = result.error instanceof NonDeterminismError ? 'DIVERGED' : 'FAILED  ';
      lines.push(`  ${kind} ${result.workflowId}${result.seq === undefined ? '' : ` at #${result.seq}`}`);
    }
  }
  for (const failure of failures) lines.push('', failure.report);
  return lines.join('\n');
}
