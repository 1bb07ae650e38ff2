/**
 * Reset and fork points: where a run's history may be cut to start a new run from it, and the
 * copy of that prefix. A point is a workflow-task boundary: a run's WorkflowStarted, or an event
 * that ends a step (the next event of the run is not a command recorded with it), inside one
 * run and before its end. The prefix is copied as the new run's events after its WorkflowStarted
 * (which the starter makes): activity ids follow the new run id, so its code's commands match
 * them on replay; activities whose results lie after the point run again, timers not fired are
 * armed again. A prefix with child workflows, or with a signal whose delivery outcome lies after
 * the point, is refused: their other side cannot be copied.
 */
import {
  checkWorkflowId,
  type EventBody,
  type EventOf,
  type EventStore,
  type ForkPoint,
  InvalidArgumentError,
  type RunId,
  type WorkflowEvent,
  type WorkflowId,
  WorkflowNotFoundError,
} from '@reprise/core';
import { isCommandEvent, latestStart, newWorkflowId, terminalOutcomeOfEvent } from '@reprise/core/internal';
import type { ForkOptions, ResetOptions, ResetTarget } from './handle.js';
import type { Lifecycle } from './lifecycle.js';
import type { RunStart, Starter } from './starter.js';

/** A checked point: the run it cuts, and its events up to the point (its WorkflowStarted first). */
export interface ForkPrefix {
  readonly started: EventOf<'WorkflowStarted'>;
  readonly prefix: readonly WorkflowEvent[];
}

/**
 * Checks `seq` as a fork point of `history` and returns the prefix; throws InvalidArgumentError
 * (naming `argument`) for a seq that is not a whole number, past the end, at or after its run's
 * end, inside a step, or before something that cannot be copied.
 */
export function forkPrefix(history: readonly WorkflowEvent[], seq: unknown, argument: string): ForkPrefix {
  const last = history.at(-1)?.seq ?? 0;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 1) {
    throw new InvalidArgumentError(
      argument,
      `${JSON.stringify(seq)} is not an event seq (a whole number from 1)`,
    );
  }
  if (seq > last) {
    throw new InvalidArgumentError(
      argument,
      `${seq} is past the end of the history (its last event is #${last})`,
    );
  }
  const index = history.findIndex((event) => event.seq === seq);
  let startIndex = index;
  while (startIndex >= 0 && history[startIndex]?.type !== 'WorkflowStarted') startIndex--;
  const started = history[startIndex] as EventOf<'WorkflowStarted'> | undefined;
  if (!started)
    throw new InvalidArgumentError(argument, `#${seq} belongs to no run (no WorkflowStarted before it)`);
  const event = history[index] as WorkflowEvent;
  if (terminalOutcomeOfEvent(event, started.runId)) {
    throw new InvalidArgumentError(
      argument,
      `#${seq} is the run's end (${event.type}); pick an event before it`,
    );
  }
  const next = history[index + 1];
  if (event.type !== 'WorkflowStarted' && next && next.type !== 'WorkflowStarted' && isCommandEvent(next)) {
    throw new InvalidArgumentError(
      argument,
      `#${seq} is not a workflow-task boundary: #${next.seq} (${next.type}) was recorded in the same step`,
    );
  }
  const prefix = history.slice(startIndex, index + 1);
  const child = prefix.find((candidate) => candidate.type === 'ChildWorkflowStarted');
  if (child) {
    throw new InvalidArgumentError(
      argument,
      `the history up to #${seq} starts a child workflow (#${child.seq}); children cannot be copied`,
    );
  }
  for (const sent of prefix) {
    if (sent.type !== 'SignalSent' || sent.signalId === undefined) continue;
    const settled = prefix.some(
      (outcome) =>
        (outcome.type === 'SignalDelivered' || outcome.type === 'SignalDeliveryFailed') &&
        outcome.signalId === sent.signalId,
    );
    if (!settled) {
      throw new InvalidArgumentError(
        argument,
        `#${seq} is before the outcome of the signal sent at #${sent.seq}`,
      );
    }
  }
  return { started, prefix };
}

/** The seq a reset goes to: the given one, or the boundary before the step that scheduled the last activity. */
export function resetSeq(history: readonly WorkflowEvent[], target: ResetTarget): number | undefined {
  if ('toEventSeq' in target) return target.toEventSeq;
  let startIndex = history.length - 1;
  while (startIndex >= 0 && history[startIndex]?.type !== 'WorkflowStarted') startIndex--;
  if (startIndex < 0) return undefined;
  let index = history.length - 1;
  while (index > startIndex && history[index]?.type !== 'ActivityScheduled') index--;
  if (index === startIndex) return undefined;
  // Back over the step's commands to its input; the event before the input ends the step before.
  while (index > startIndex && isCommandEvent(history[index] as WorkflowEvent)) index--;
  return index === startIndex ? history[startIndex]?.seq : history[index - 1]?.seq;
}

/** The prefix's events after its WorkflowStarted, as bodies for the new run `runId`. */
export function copiedBodies(prefix: ForkPrefix, runId: RunId): EventBody[] {
  const from = `${prefix.started.runId}.`;
  const to = `${runId}.`;
  const bodies: EventBody[] = [];
  for (const event of prefix.prefix.slice(1)) {
    if (event.type === 'WorkflowForked') continue; // the source's own note, not part of its run
    const { seq: _seq, recordedAt: _recordedAt, workflowId: _workflowId, ...body } = event;
    const copy = { ...body } as Record<string, unknown>;
    if (typeof copy.activityId === 'string' && copy.activityId.startsWith(from)) {
      copy.activityId = to + copy.activityId.slice(from.length);
    }
    bodies.push(copy as unknown as EventBody);
  }
  return bodies;
}

/** What resets and forks act through. */
export interface RunForksPort {
  readonly store: EventStore;
  readonly lifecycle: Lifecycle;
  readonly starter: () => Starter;
  /** Ends the open run at once (recorded Terminated); a closed run is left as it is. */
  terminate(workflowId: WorkflowId, reason: string): Promise<unknown>;
  /** Records a note in a workflow's history: through its open run's mailbox, or appended when closed. */
  note(workflowId: WorkflowId, body: EventBody): Promise<void>;
}

export class RunForks {
  constructor(private readonly port: RunForksPort) {}

  /**
   * Resets a workflow: its open run (if any) is terminated, and a new run of the same id starts
   * from its latest run's history up to the point. Resolves with the new run's id.
   */
  async reset(workflowId: WorkflowId, options: ResetOptions): Promise<RunId> {
    this.port.lifecycle.assertOpen();
    const history = await this.port.store.readHistory(workflowId);
    const latest = latestStart(history);
    if (!latest) throw new WorkflowNotFoundError(workflowId);
    const target = options as ResetTarget;
    const seq = resetSeq(history, target);
    if (seq === undefined) {
      throw new InvalidArgumentError(
        'toLastActivity',
        `the latest run of ${JSON.stringify(workflowId)} scheduled no activity`,
      );
    }
    const argument = 'toEventSeq' in target ? 'toEventSeq' : 'toLastActivity';
    const prefix = forkPrefix(history, seq, argument);
    if (prefix.started.runId !== latest.runId) {
      throw new InvalidArgumentError(
        argument,
        `#${seq} is not in the latest run (it starts at #${latest.seq})`,
      );
    }
    const reason = options.reason ?? `reset to #${seq}`;
    await this.port.terminate(workflowId, `reset to #${seq}: ${reason}`);
    return this.port
      .starter()
      .startCopy(
        workflowId,
        this.#runStart(prefix, { workflowId, runId: latest.runId, eventSeq: seq, reason }),
        (runId) => copiedBodies(prefix, runId),
        false,
      );
  }

  /** Forks a workflow into a new workflow id from one of its runs' history up to the point. */
  async fork(
    workflowId: WorkflowId,
    options: ForkOptions,
  ): Promise<{ workflowId: WorkflowId; runId: RunId }> {
    this.port.lifecycle.assertOpen();
    const target =
      options.workflowId === undefined
        ? newWorkflowId()
        : checkWorkflowId(options.workflowId, 'fork workflowId');
    const history = await this.port.store.readHistory(workflowId);
    if (history.length === 0) throw new WorkflowNotFoundError(workflowId);
    const prefix = forkPrefix(history, options.fromEventSeq, 'fromEventSeq');
    const runId = await this.port
      .starter()
      .startCopy(
        target,
        this.#runStart(prefix, { workflowId, runId: prefix.started.runId, eventSeq: options.fromEventSeq }),
        (newRun) => copiedBodies(prefix, newRun),
        true,
      );
    await this.port.note(workflowId, {
      type: 'WorkflowForked',
      toWorkflowId: target,
      toRunId: runId,
      fromEventSeq: options.fromEventSeq,
    });
    return { workflowId: target, runId };
  }

  #runStart(prefix: ForkPrefix, forkedFrom: ForkPoint): RunStart & { readonly forkedFrom: ForkPoint } {
    const { started } = prefix;
    return {
      workflowType: started.workflowType,
      input: started.input,
      ...(started.searchAttributes ? { searchAttributes: started.searchAttributes } : {}),
      ...(started.executionTimeout === undefined ? {} : { executionTimeout: started.executionTimeout }),
      forkedFrom,
      // The new run stays in the trace of the run it copies.
      ...(started.traceContext ? { traceContext: started.traceContext } : {}),
    };
  }
}
