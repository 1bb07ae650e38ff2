import {
  type JsonValue,
  runSegment,
  type TerminalOutcome,
  terminalOutcomeFromHistory,
  type WorkflowEvent,
  type WorkflowSummary,
} from '@reprise/core';
import type { Residency, WorkflowDescription } from '@reprise/engine';
import { describeSummary, pendingWorkFromHistory } from '@reprise/engine/internal';
import { printable } from './printable.js';
import { formatDuration, formatTimestamp, preview } from './time.js';

/**
 * What `describe` shows: the engine's description, with the latest run's parent and children
 * as its history shows them, and `stored` residency when no worker holds the run.
 */
export type Description = Omit<WorkflowDescription, 'residency'> & {
  readonly parent?: { readonly workflowId: string; readonly childId: string };
  readonly pendingChildren?: readonly { readonly childId: string; readonly childWorkflowId: string }[];
  readonly residency: Residency | 'stored';
  /** The latest run's input. */
  readonly input?: JsonValue;
  /** How the latest run ended (its result, error, reason or timeout); absent while it is open. */
  readonly outcome?: TerminalOutcome;
  /** The children the latest run started, with how each ended as the run saw it. */
  readonly children?: readonly ChildView[];
};

/** A child of the latest run. */
export interface ChildView {
  readonly childId: string;
  readonly childWorkflowId: string;
  readonly workflowType: string;
  readonly status: 'Running' | 'Completed' | 'Failed' | 'Cancelled';
}

/**
 * A description read from the store alone (no worker runs): the summary, and the activities,
 * timers and children the latest run's history shows as outstanding.
 */
export function describeFromHistory(
  summary: WorkflowSummary,
  history: readonly WorkflowEvent[],
): Description {
  return {
    ...describeSummary(summary),
    ...(summary.parent
      ? { parent: { workflowId: summary.parent.workflowId, childId: summary.parent.childId } }
      : {}),
    ...pendingWorkFromHistory(summary, history),
    residency: 'stored',
    ...runDetails(summary, history),
  };
}

/** The latest run's input, outcome and children, from its own segment of the history. */
function runDetails(
  summary: WorkflowSummary,
  history: readonly WorkflowEvent[],
): Pick<Description, 'input' | 'outcome' | 'children'> {
  const segment = runSegment(history, summary.runId);
  const start = segment[0];
  const outcome = terminalOutcomeFromHistory(history, summary.runId);
  const children = new Map<string, ChildView>();
  for (const event of segment) {
    if (event.type === 'ChildWorkflowStarted') {
      const { childId, childWorkflowId, workflowType } = event;
      children.set(childId, { childId, childWorkflowId, workflowType, status: 'Running' });
    } else if (
      event.type === 'ChildWorkflowCompleted' ||
      event.type === 'ChildWorkflowFailed' ||
      event.type === 'ChildWorkflowCancelled'
    ) {
      const child = children.get(event.childId);
      const status =
        event.type === 'ChildWorkflowCompleted'
          ? 'Completed'
          : event.type === 'ChildWorkflowFailed'
            ? 'Failed'
            : 'Cancelled';
      if (child) children.set(event.childId, { ...child, status });
    }
  }
  return {
    ...(start?.type === 'WorkflowStarted' ? { input: start.input } : {}),
    ...(outcome ? { outcome } : {}),
    children: [...children.values()],
  };
}

/** A run's outcome as one `key  value` row of a description. */
function outcomeRow(outcome: TerminalOutcome): [string, string] {
  switch (outcome.status) {
    case 'Completed':
      return ['result', preview(outcome.result, 200)];
    case 'Failed':
      return ['failure', `${outcome.error.name}: ${outcome.error.message.split('\n')[0]}`];
    case 'Cancelled':
      return ['reason', outcome.reason ?? '(none given)'];
    case 'Terminated':
      return ['terminated', outcome.reason ?? '(no reason given)'];
    case 'TimedOut':
      return ['timeout', `${outcome.timeout.kind} after ${formatDuration(outcome.timeout.afterMs)}`];
    case 'ContinuedAsNew':
      return ['continued', `with input ${preview(outcome.input, 100)}`];
  }
}

/** A description as `key  value` lines, then what the run waits on. */
export function renderDescription(description: Description, now: number, servedBy: string): string {
  const rows: [string, string][] = [
    ['workflow', printable(description.workflowId)],
    ['type', printable(description.workflowType)],
    [
      'status',
      (description.paused ? 'Paused' : description.status) + (description.stalled ? ' (stalled)' : ''),
    ],
    ['run', printable(description.runId)],
    [
      'started',
      `${formatTimestamp(description.startedAt)} (${formatDuration(now - description.startedAt)} ago)`,
    ],
  ];
  if (description.closedAt !== undefined) {
    rows.push([
      'closed',
      `${formatTimestamp(description.closedAt)} (ran ${formatDuration(description.closedAt - description.startedAt)})`,
    ]);
  }
  rows.push(['history', `${description.historyLength} events`]);
  if (description.input !== undefined) rows.push(['input', preview(description.input, 200)]);
  if (description.outcome) rows.push(outcomeRow(description.outcome));
  if (description.buildId !== undefined) {
    rows.push([
      'build',
      printable(description.buildId) +
        (description.waitingForBuild === undefined
          ? ''
          : ` (pinned: waits for an engine of build ${printable(description.waitingForBuild)})`),
    ]);
  }
  if (Object.keys(description.searchAttributes).length > 0) {
    rows.push(['attributes', preview(description.searchAttributes, 100)]);
  }
  if (description.parent)
    rows.push([
      'parent',
      `${printable(description.parent.workflowId)} (child ${printable(description.parent.childId)})`,
    ]);
  if (description.parentRunId) rows.push(['continues', printable(description.parentRunId)]);
  rows.push(['residency', `${description.residency} · ${servedBy}`]);
  const width = Math.max(...rows.map(([key]) => key.length));
  const lines = rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`);
  if (description.stalled) {
    lines.push(`stalled at command #${description.stalled.position}: ${description.stalled.reason}`);
    const stack = description.stalled.error?.stack;
    if (stack) lines.push(...stack.split('\n').map((line) => `  ${line.trim()}`));
  }
  if (description.pendingActivities.length > 0) {
    lines.push('pending activities:');
    for (const activity of description.pendingActivities) {
      const retry =
        activity.retryAt === undefined
          ? ''
          : `, next attempt ${activity.retryAt > now ? `in ${formatDuration(activity.retryAt - now)}` : 'due'}`;
      lines.push(
        `  ${activity.activityId}  ${activity.activityType}  attempt ${activity.attemptsEnded + 1} (${activity.attemptsEnded} failed${retry})`,
      );
      if (activity.lastFailure) {
        lines.push(
          `    last failure: ${activity.lastFailure.name}: ${preview(activity.lastFailure.message, 100)}`,
        );
      }
      if (activity.lastHeartbeat) {
        const ago = formatDuration(Math.max(0, now - activity.lastHeartbeat.at));
        lines.push(`    last heartbeat: ${ago} ago, details ${preview(activity.lastHeartbeat.details, 80)}`);
      }
    }
  }
  if (description.pendingTimers.length > 0) {
    lines.push('pending timers:');
    for (const timer of description.pendingTimers) {
      const due = timer.fireAt > now ? `due in ${formatDuration(timer.fireAt - now)}` : 'due now';
      lines.push(`  ${timer.timerId}  ${due} (${formatTimestamp(timer.fireAt)})`);
    }
  }
  if (description.children && description.children.length > 0) {
    lines.push('children:');
    for (const child of description.children)
      lines.push(
        `  ${printable(child.childId)}  ${printable(child.childWorkflowId)}  ${printable(child.workflowType)}  ${child.status}`,
      );
  }
  if (description.pendingChildren && description.pendingChildren.length > 0) {
    lines.push('waiting on children:');
    for (const child of description.pendingChildren)
      lines.push(`  ${child.childId}  ${child.childWorkflowId}`);
  }
  return lines.join('\n');
}
