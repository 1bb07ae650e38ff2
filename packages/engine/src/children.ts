/**
 * Children: a parent run's recorded child starts become child runs (once, even across crashes),
 * a closed child reports its outcome to its parent run, and a parent's close applies each open
 * child's `parentClosePolicy` (from the parent's side when it closes, from the child's side
 * when it starts after its parent closed, so one of the two always sees the other).
 */
import {
  type EventBody,
  type EventOf,
  type ParentLink,
  type RunId,
  statusFromEvents,
  type TerminalOutcome,
  terminalOutcomeFromHistory,
  UnknownWorkflowTypeError,
  WorkflowAlreadyStartedError,
  type WorkflowId,
  type WorkflowStore,
  WorkflowTerminatedError,
  WorkflowTimedOutError,
} from '@reprise/core';
import { type Command, latestStart, toErrorData } from '@reprise/core/internal';
import type { ExitingRun } from './exit-handler.js';
import type { Lifecycle } from './lifecycle.js';
import type { RunTable } from './run-table.js';
import type { InboxStart, Starter } from './starter.js';

type RunRef = Pick<ExitingRun, 'workflowId' | 'runId'>;

/** What the children service acts through. */
export interface ChildrenPort {
  readonly store: WorkflowStore;
  readonly table: RunTable;
  readonly starter: Starter;
  readonly lifecycle: Lifecycle;
  isWorkflowType(workflowType: string): boolean;
  /** Hands news to a run, if it is still the workflow's open run here. */
  deliver(workflowId: WorkflowId, runId: RunId, body: EventBody): void;
  terminate(workflowId: WorkflowId, reason: string): Promise<unknown>;
  cancel(workflowId: WorkflowId, reason: string): Promise<unknown>;
  /** Children and parents whose shard another engine owns are reached through it (`inbox.ts`). */
  readonly remote?: {
    routes(workflowId: string): boolean;
    start(workflowId: WorkflowId, start: InboxStart): Promise<void>;
    deliver(workflowId: WorkflowId, runId: RunId, body: EventBody): Promise<void>;
  };
}

export class Children {
  constructor(private readonly port: ChildrenPort) {}

  /** Starts a recorded child unless it has started already (a crash may come between the two). */
  async startChild(
    parent: RunRef,
    command: Extract<Command, { kind: 'StartChild' }> | EventOf<'ChildWorkflowStarted'>,
  ): Promise<void> {
    const known = this.port.isWorkflowType(command.workflowType);
    const { remote } = this.port;
    if (known && remote?.routes(command.childWorkflowId)) {
      await this.#startRemoteChild(parent, command, remote);
      return;
    }
    await this.port.starter.recordAndStart(command.childWorkflowId, (current) => {
      const ours = current.some(
        (event) =>
          event.type === 'WorkflowStarted' &&
          event.parent?.runId === parent.runId &&
          event.parent.childId === command.childId,
      );
      if (ours) return undefined;
      if (!known || statusFromEvents(current) === 'Running') {
        const error = known
          ? new WorkflowAlreadyStartedError(
              command.childWorkflowId,
              latestStart(current)?.runId ?? '',
              'Running',
            )
          : new UnknownWorkflowTypeError(command.workflowType);
        this.port.deliver(parent.workflowId, parent.runId, {
          type: 'ChildWorkflowFailed',
          childId: command.childId,
          childWorkflowId: command.childWorkflowId,
          error: toErrorData(error),
        });
        return undefined;
      }
      return {
        workflowType: command.workflowType,
        input: command.input,
        parent: {
          workflowId: parent.workflowId,
          runId: parent.runId,
          childId: command.childId,
          parentClosePolicy: command.parentClosePolicy,
        },
        ...(command.searchAttributes ? { searchAttributes: command.searchAttributes } : {}),
      };
    });
  }

  /**
   * A child whose shard another engine owns is started there, through its inbox (once: a child
   * already started by this parent counts as started); one running already, or of a type the
   * owner does not know, fails the child in the parent, as here.
   */
  async #startRemoteChild(
    parent: RunRef,
    command: Extract<Command, { kind: 'StartChild' }> | EventOf<'ChildWorkflowStarted'>,
    remote: NonNullable<ChildrenPort['remote']>,
  ): Promise<void> {
    try {
      await remote.start(command.childWorkflowId, {
        workflowType: command.workflowType,
        input: command.input,
        ...(command.searchAttributes ? { searchAttributes: command.searchAttributes } : {}),
        idReusePolicy: 'allowDuplicate',
        onConflict: 'fail',
        parent: {
          workflowId: parent.workflowId,
          runId: parent.runId,
          childId: command.childId,
          parentClosePolicy: command.parentClosePolicy,
        },
      });
    } catch (error) {
      if (!(error instanceof WorkflowAlreadyStartedError || error instanceof UnknownWorkflowTypeError))
        throw error;
      this.port.deliver(parent.workflowId, parent.runId, {
        type: 'ChildWorkflowFailed',
        childId: command.childId,
        childWorkflowId: command.childWorkflowId,
        error: toErrorData(error),
      });
    }
  }

  /** After a parent's replay: start a child that never started, or hand over an outcome it missed. */
  async resumeChild(parent: RunRef, recorded: EventOf<'ChildWorkflowStarted'>): Promise<void> {
    const { childId, childWorkflowId } = recorded;
    const history = await this.port.store.readHistory(childWorkflowId);
    const childStart = history.find(
      (event): event is EventOf<'WorkflowStarted'> =>
        event.type === 'WorkflowStarted' &&
        event.parent?.runId === parent.runId &&
        event.parent.childId === childId,
    );
    if (!childStart) {
      await this.startChild(parent, recorded);
      return;
    }
    const current = latestStart(history) as EventOf<'WorkflowStarted'>;
    const outcome = terminalOutcomeFromHistory(history, current.runId);
    if (outcome && outcome.status !== 'ContinuedAsNew' && current.parent?.runId === parent.runId) {
      this.reportToParent({ workflowId: childWorkflowId, runId: current.runId }, outcome, current.parent);
    }
  }

  /** A closed child run tells its parent run, if it has one and did not continue as new. */
  reportToParent(run: RunRef, outcome: TerminalOutcome, parent: ParentLink | undefined): void {
    if (outcome.status === 'ContinuedAsNew' || !parent) return;
    const base = { childId: parent.childId, childWorkflowId: run.workflowId };
    const body: EventBody =
      outcome.status === 'Completed'
        ? { type: 'ChildWorkflowCompleted', ...base, result: outcome.result }
        : outcome.status === 'Cancelled'
          ? { type: 'ChildWorkflowCancelled', ...base, reason: outcome.reason }
          : {
              type: 'ChildWorkflowFailed',
              ...base,
              error:
                outcome.status === 'Failed'
                  ? outcome.error
                  : outcome.status === 'Terminated'
                    ? toErrorData(new WorkflowTerminatedError(run.workflowId, outcome.reason ?? undefined))
                    : toErrorData(new WorkflowTimedOutError(run.workflowId, outcome.timeout.afterMs)),
            };
    const { remote } = this.port;
    if (remote?.routes(parent.workflowId)) {
      this.port.lifecycle.track(remote.deliver(parent.workflowId, parent.runId, body));
      return;
    }
    this.port.deliver(parent.workflowId, parent.runId, body);
  }

  /**
   * When a run closes, each child it started and did not see finish is treated as its
   * `parentClosePolicy` says: `terminate` ends it, `requestCancel` asks it to cancel, `abandon`
   * leaves it running. Only a child whose current run is still linked to this run is touched.
   */
  applyParentClosePolicy(run: RunRef, openChildren: readonly EventOf<'ChildWorkflowStarted'>[]): void {
    for (const event of openChildren) {
      if (event.parentClosePolicy === 'abandon') continue;
      const child = event.childWorkflowId;
      this.port.lifecycle.track(
        this.port.store.readHistory(child).then(async (childHistory) => {
          const current = latestStart(childHistory);
          if (current?.parent?.runId !== run.runId || statusFromEvents(childHistory) !== 'Running') return;
          await this.#closeForParent(child, event.parentClosePolicy, run.workflowId);
        }),
      );
    }
  }

  /**
   * A child whose parent run has already closed gets the parent's close policy now. The parent
   * applies it to the children it can see when it closes; a child started (or recovered) after
   * that check looks at its parent itself, so one of the two always sees the other.
   */
  async enforceParentClose(workflowId: WorkflowId, parent: ParentLink): Promise<void> {
    const summary = await this.port.store.getSummary(parent.workflowId);
    const parentRunOpen = summary?.runId === parent.runId && summary.status === 'Running';
    if (parentRunOpen || !this.port.table.has(workflowId)) return;
    await this.#closeForParent(workflowId, parent.parentClosePolicy, parent.workflowId);
  }

  async #closeForParent(child: WorkflowId, policy: ParentLink['parentClosePolicy'], parent: WorkflowId) {
    const reason = `parent ${parent} closed`;
    if (policy === 'terminate') await this.port.terminate(child, reason);
    else await this.port.cancel(child, reason);
  }
}
