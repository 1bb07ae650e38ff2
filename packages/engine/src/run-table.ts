/**
 * The run table: the workflow ids whose open run this process owns (one `RunEntry` each), the
 * single writer (`Recorder`) of each workflow's history (held by its entry while there is one,
 * else kept here), and the waiters for a workflow's next
 * change, and the quarantine: workflows whose stored records are damaged. Every service reads and
 * changes runs through it; it does no I/O of its own.
 */
import type { EventStore, StoreCorruption, TerminalOutcome, WorkflowId } from '@reprise/core';
import { ClosedOutcomes } from './closed-outcomes.js';
import type { EngineLogger } from './options.js';
import { type Fencing, Recorder } from './recorder.js';
import type { ChangeWaiter, ChangeWaiters, RunEntry } from './run-entry.js';

function wake(waiters: ChangeWaiters, outcome: TerminalOutcome | undefined): void {
  if (typeof waiters === 'function') waiters(outcome);
  else for (const waiter of waiters) waiter(outcome);
}

/** `later` queued after `earlier`. */
function joined(earlier: ChangeWaiters | undefined, later: ChangeWaiters): ChangeWaiters {
  if (earlier === undefined) return later;
  const list = typeof earlier === 'function' ? [earlier] : earlier;
  if (typeof later === 'function') list.push(later);
  else list.push(...later);
  return list;
}

export class RunTable {
  readonly #entries = new Map<WorkflowId, RunEntry>();
  /**
   * The writers of workflows with no entry. A workflow's entry holds its writer, so a workflow
   * with an entry is not in here too: one writer per workflow either way, and a waiting run
   * costs no second map slot (100,000 wait at once).
   */
  readonly #recorders = new Map<WorkflowId, Recorder>();
  /**
   * The waiters for the next change of each workflow with no entry. A workflow's entry holds its
   * waiters: 10,000 callers of `result()` on open runs cost no map that fills and drains.
   */
  readonly #changes = new Map<WorkflowId, ChangeWaiters>();
  readonly #quarantined = new Map<WorkflowId, StoreCorruption>();
  /** What `result()` answers from memory for the runs this process closed last. */
  readonly closedOutcomes = new ClosedOutcomes();

  constructor(
    private readonly store: EventStore,
    /** How this engine's writers fence their appends (shard ownership); none for a sole owner. */
    private readonly fencing?: Fencing,
  ) {}

  /** The entry of the workflow's open run in this process. */
  get(workflowId: WorkflowId): RunEntry | undefined {
    return this.#entries.get(workflowId);
  }

  has(workflowId: WorkflowId): boolean {
    return this.#entries.has(workflowId);
  }

  entries(): IterableIterator<RunEntry> {
    return this.#entries.values();
  }

  /**
   * Enters a run, replacing any entry of an earlier run of the id. Its recorder is the
   * workflow's writer (`recorder(workflowId)`), which the entry holds from now on.
   */
  add(entry: RunEntry): void {
    const { workflowId } = entry;
    const replaced = this.#entries.get(workflowId);
    this.#entries.set(workflowId, entry);
    this.closedOutcomes.forget(workflowId);
    this.#recorders.delete(workflowId);
    // Waiters of the workflow's next change move to the entry, in the order they came.
    let waiters = replaced?.changeWaiters;
    if (replaced) replaced.changeWaiters = undefined;
    const parked = this.#changes.get(workflowId);
    if (parked !== undefined) {
      this.#changes.delete(workflowId);
      waiters = joined(waiters, parked);
    }
    if (waiters !== undefined)
      entry.changeWaiters =
        entry.changeWaiters === undefined ? waiters : joined(waiters, entry.changeWaiters);
  }

  /**
   * Takes out `entry` if it is still the id's entry; returns whether it was. The workflow's
   * writer stays here, as it may still have appends queued (`releaseRecorder` drops it).
   */
  remove(entry: Pick<RunEntry, 'workflowId' | 'runId'>): boolean {
    return this.#remove(entry, false);
  }

  /**
   * `remove` for a run that leaves for good (closed, quarantined): its writer is dropped with it
   * when nothing is queued on it (as `releaseRecorder` would drop it), not parked in the map.
   */
  removeForGood(entry: Pick<RunEntry, 'workflowId' | 'runId'>): boolean {
    return this.#remove(entry, true);
  }

  #remove(entry: Pick<RunEntry, 'workflowId' | 'runId'>, dropIdleRecorder: boolean): boolean {
    const { workflowId } = entry;
    const current = this.#entries.get(workflowId);
    if (current?.runId !== entry.runId) return false;
    this.#entries.delete(workflowId);
    if (!dropIdleRecorder || !current.recorder.idle) this.#recorders.set(workflowId, current.recorder);
    const waiters = current.changeWaiters;
    if (waiters !== undefined) {
      current.changeWaiters = undefined;
      this.#changes.set(workflowId, joined(this.#changes.get(workflowId), waiters));
    }
    return true;
  }

  /** The workflow's single writer, made on first use. */
  recorder(workflowId: WorkflowId): Recorder {
    const entry = this.#entries.get(workflowId);
    if (entry) return entry.recorder;
    let recorder = this.#recorders.get(workflowId);
    if (!recorder) {
      recorder = new Recorder(workflowId, this.store, this.fencing);
      this.#recorders.set(workflowId, recorder);
    }
    return recorder;
  }

  /** The workflow's writer if this table holds one (its entry's, or one kept here); makes none. */
  heldRecorder(workflowId: WorkflowId): Recorder | undefined {
    return this.#entries.get(workflowId)?.recorder ?? this.#recorders.get(workflowId);
  }

  /**
   * A writer for a workflow whose writer this table does not hold, for an entry about to be
   * added (`add`), which keeps it: not kept here meanwhile, sparing every new run a map slot
   * that its own entry would take back at once. Nothing may run between this and that `add`.
   */
  recorderForNewEntry(workflowId: WorkflowId): Recorder {
    return new Recorder(workflowId, this.store, this.fencing);
  }

  /** Every workflow's writer that this table holds. */
  *recorders(): IterableIterator<Recorder> {
    for (const entry of this.#entries.values()) yield entry.recorder;
    yield* this.#recorders.values();
  }

  /** Drops the writer of a workflow with no run here and nothing queued: thousands close. */
  releaseRecorder(workflowId: WorkflowId): void {
    const recorder = this.#recorders.get(workflowId);
    if (recorder?.idle) this.#recorders.delete(workflowId);
  }

  /** Resolves at the next change of the workflow: with the outcome when a run closed. */
  nextChange(workflowId: WorkflowId): Promise<TerminalOutcome | undefined> {
    return new Promise((resolve) => this.onNextChange(workflowId, resolve));
  }

  /** Calls `waiter` once, at the next change of the workflow: with the outcome when a run closed. */
  onNextChange(workflowId: WorkflowId, waiter: ChangeWaiter): void {
    const entry = this.#entries.get(workflowId);
    if (entry) entry.changeWaiters = joined(entry.changeWaiters, waiter);
    else this.#changes.set(workflowId, joined(this.#changes.get(workflowId), waiter));
  }

  /** Wakes the waiters of the workflow's next change; a run's close gives its outcome. */
  changed(workflowId: WorkflowId, outcome?: TerminalOutcome): void {
    if (outcome) this.closedOutcomes.remember(workflowId, outcome);
    const entry = this.#entries.get(workflowId);
    const waiters = entry?.changeWaiters;
    if (waiters !== undefined) {
      (entry as RunEntry).changeWaiters = undefined;
      wake(waiters, outcome);
      return;
    }
    const parked = this.#changes.get(workflowId);
    if (parked === undefined) return;
    this.#changes.delete(workflowId);
    wake(parked, outcome);
  }

  /** Wakes the waiters of the workflows that pass `test`, with no outcome (they read again). */
  wakeWhere(test: (workflowId: WorkflowId) => boolean): void {
    for (const [workflowId, waiters] of [...this.#changes]) {
      if (!test(workflowId)) continue;
      this.#changes.delete(workflowId);
      wake(waiters, undefined);
    }
    // Waking calls no one synchronously (the waiters resolve promises): no copy of the entries.
    for (const entry of this.#entries.values()) {
      const waiters = entry.changeWaiters;
      if (waiters === undefined || !test(entry.workflowId)) continue;
      entry.changeWaiters = undefined;
      wake(waiters, undefined);
    }
  }

  /** Wakes every waiter with no outcome (shutdown). */
  wakeAll(): void {
    const parked = [...this.#changes.values()];
    this.#changes.clear();
    for (const waiters of parked) wake(waiters, undefined);
    for (const entry of this.#entries.values()) {
      const waiters = entry.changeWaiters;
      if (waiters === undefined) continue;
      entry.changeWaiters = undefined;
      wake(waiters, undefined);
    }
  }

  /**
   * Puts a workflow whose stored records cannot be read in quarantine: no run of it is brought
   * back in this process, every call on it fails with `error`, and `list` shows it as corrupt.
   * One damaged record costs one workflow, never the engine. Returns false if it already was.
   */
  quarantine(workflowId: WorkflowId, error: StoreCorruption): boolean {
    if (this.#quarantined.has(workflowId)) return false;
    this.#quarantined.set(workflowId, error);
    this.closedOutcomes.forget(workflowId);
    this.changed(workflowId);
    return true;
  }

  /** The damage that put the workflow in quarantine, if it is there. */
  quarantined(workflowId: WorkflowId): StoreCorruption | undefined {
    return this.#quarantined.get(workflowId);
  }

  /** Throws the damage of a workflow in quarantine (calls on it fail with it). */
  assertReadable(workflowId: WorkflowId): void {
    const damage = this.#quarantined.get(workflowId);
    if (damage) throw damage;
  }
}

/** Puts the workflow in the table's quarantine and, the first time, says so in the log. */
export function quarantineWorkflow(
  table: RunTable,
  logger: EngineLogger,
  workflowId: WorkflowId,
  error: StoreCorruption,
): void {
  if (!table.quarantine(workflowId, error)) return;
  logger.warn('workflow quarantined: a stored record of it is damaged; restore it from a backup', {
    workflowId,
    key: error.key,
    error: error.message,
  });
}
