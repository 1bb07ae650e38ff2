import {
  type EventBody,
  InvalidArgumentError,
  ScheduleAlreadyExistsError,
  type ScheduleFireCause,
  ScheduleNotFoundError,
  type ScheduleSkipReason,
  ShardMovedError,
  UnknownWorkflowTypeError,
  type WorkflowEvent,
  type WorkflowId,
  type WorkflowStatus,
} from '@reprise/core';
import { Recorder } from '../recorder.js';
import { Catalog } from './catalog.js';
import { dueSteps } from './catch-up.js';
import {
  applyChanges,
  checkOverlap,
  checkScheduleId,
  definitionFromOptions,
  normalizeChanges,
  recordedOptions,
  type ScheduleChanges,
  type ScheduleOptions,
} from './definition.js';
import type { ScheduleHost } from './host.js';
import { firedWorkflowId, scheduleHistoryId, triggeredWorkflowId } from './ids.js';
import { LiveSchedule, type WaitingFire } from './live-schedule.js';
import { admitFire, goesAhead, nextForWaiting, type OverlapPolicy, waitingOrder } from './overlap.js';
import { foldScheduleHistory } from './schedule-record.js';
import { fireTimes, type ScheduleSpecInput, specKeeping } from './spec.js';
import type {
  BackfillResult,
  ScheduleActionView,
  ScheduleDescription,
  ScheduleSummary,
  TriggerResult,
} from './views.js';

/** The most fires one `backfill` call may cover. */
export const MAX_BACKFILL_FIRES = 10_000;

/** How many next fire times `describe` shows. */
const NEXT_FIRE_TIMES = 5;

const isOpen = (status: WorkflowStatus | undefined): boolean =>
  status === 'Running' || status === 'ContinuedAsNew';

type FireOutcome = { outcome: 'started' | 'waiting'; workflowId: WorkflowId } | { outcome: 'skipped' };

/**
 * `engine.schedules`: cron and interval starts with overlap and catch-up policies. See
 * `packages/engine/docs/schedules.md` for the contract.
 *
 * Each schedule's state is the Schedule* events of its own history (`schedule:<id>`); the
 * catalog history (`schedules:catalog`) lists the ids. A fire is recorded (`ScheduleTriggered`)
 * before its workflow starts, and the workflow id is derived from the schedule id and the
 * nominal fire time, so a fire starts its workflow at most once, crash or not; recovery starts
 * the fires that were recorded and not started, and applies the catch-up policy to the fires
 * missed while the engine was down.
 *
 * On a store several engines share, a schedule is run by the engine that owns the shard of its
 * history (`schedule:<id>`), with that shard's fence on every append: two engines never fire the
 * same slot. An engine recovers the schedules of the shards it claims and forgets those of the
 * shards it loses (`recover(shards)`, `drop(shard)`); `list` and `describe` read the others'
 * from the store, and a change to one of them is refused with `ShardMovedError`.
 */
export class Schedules {
  readonly #host: ScheduleHost;
  readonly #catalog: Catalog;
  readonly #live = new Map<string, LiveSchedule>();
  readonly #recorders = new Map<string, Recorder>();
  /** The schedule that started each open workflow. */
  readonly #byWorkflow = new Map<WorkflowId, LiveSchedule>();
  readonly #unsubscribe: () => void;
  #stopped = false;

  /** @internal The engine makes its schedules (`engine.schedules`). */
  constructor(host: ScheduleHost) {
    this.#host = host;
    this.#catalog = new Catalog(host.store, () => host.clock.now());
    this.#unsubscribe = host.onWorkflowClosed((workflowId, status) => this.#runClosed(workflowId, status));
  }

  /**
   * Creates a schedule; its first fire is the spec's first after now. Throws
   * `InvalidScheduleSpecError` (bad cron, time zone or interval), `UnknownWorkflowTypeError`,
   * `ScheduleAlreadyExistsError`, `PayloadError`, `SearchAttributeError` or
   * `InvalidArgumentError` (any other bad option), and records nothing then.
   */
  async create(options: ScheduleOptions): Promise<ScheduleDescription> {
    this.#assertOpen();
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('options', 'expected { scheduleId, spec, workflowType, ... }');
    }
    const scheduleId = checkScheduleId(options.scheduleId);
    this.#assertOwned(scheduleId);
    const checked = definitionFromOptions(options);
    if (!this.#host.isWorkflowType(checked.workflowType))
      throw new UnknownWorkflowTypeError(checked.workflowType);
    if (options.paused !== undefined && typeof options.paused !== 'boolean') {
      throw new InvalidArgumentError('paused', `${JSON.stringify(options.paused)} is not a boolean`);
    }
    const note = checkNote(options.note);
    const definition = {
      ...checked,
      input: this.#host.checkPayload(checked.input, 'input'),
      ...(checked.searchAttributes === undefined
        ? {}
        : { searchAttributes: this.#host.checkSearchAttributes(checked.searchAttributes) }),
    };
    const recorder = this.#recorder(scheduleId);
    await recorder.exclusive(async () => {
      const history = await recorder.read();
      if (history.some((event) => !event.type.startsWith('Schedule'))) {
        throw new InvalidArgumentError(
          'scheduleId',
          `${JSON.stringify(scheduleId)}: the id ${scheduleHistoryId(scheduleId)} is taken by a workflow`,
        );
      }
      const existing = foldScheduleHistory(history);
      if (existing && !existing.deleted) throw new ScheduleAlreadyExistsError(scheduleId);
      await this.#catalog.add(scheduleId);
      const bodies: EventBody[] = [
        {
          type: 'ScheduleCreated',
          scheduleId,
          spec: definition.spec,
          workflowType: definition.workflowType,
          input: definition.input,
          options: recordedOptions(definition),
        },
      ];
      if (options.paused) bodies.push({ type: 'SchedulePaused', scheduleId, note });
      const [created] = await recorder.append(bodies, this.#host.clock.now());
      const at = (created as WorkflowEvent).recordedAt;
      const live = new LiveSchedule(scheduleId, recorder, {
        definition,
        paused: options.paused === true,
        note: options.paused ? note : null,
        createdAt: at,
        updatedAt: at,
        cursor: at,
        recent: [],
      });
      this.#live.set(scheduleId, live);
      this.#arm(live);
    });
    return this.describe(scheduleId);
  }

  /**
   * Changes a schedule's definition for the fires from now on (a new spec counts from now: its
   * earlier fires are not caught up). Workflows already started are not touched.
   */
  async update(scheduleId: string, changes: ScheduleChanges): Promise<ScheduleDescription> {
    this.#assertOpen();
    const live = this.#get(scheduleId);
    // A partial spec keeps what it does not name (the timezone, the offset); what is recorded
    // is the whole spec, so the history reads the same without this rule.
    const normalized = normalizeChanges(
      typeof changes === 'object' && changes !== null && changes.spec !== undefined
        ? { ...changes, spec: specKeeping(live.definition.spec, changes.spec) as ScheduleSpecInput }
        : changes,
    );
    if (typeof normalized.workflowType === 'string' && !this.#host.isWorkflowType(normalized.workflowType)) {
      throw new UnknownWorkflowTypeError(normalized.workflowType);
    }
    if (normalized.input !== undefined) normalized.input = this.#host.checkPayload(normalized.input, 'input');
    if (normalized.searchAttributes !== undefined && normalized.searchAttributes !== null) {
      normalized.searchAttributes = this.#host.checkSearchAttributes(
        normalized.searchAttributes as Record<string, never>,
      );
    }
    if (Object.keys(normalized).length > 0) {
      await this.#exclusive(live, async () => {
        // Fires due before the update are taken as the schedule was; the changes apply after it.
        const at = this.#host.clock.now();
        await this.#catchUp(live, at);
        await this.#append(live, [{ type: 'ScheduleUpdated', scheduleId, changes: normalized }], at);
        live.definition = applyChanges(live.definition, normalized);
        live.updatedAt = at;
        if (normalized.spec !== undefined) {
          live.times = fireTimes(live.definition.spec);
          live.cursor = Math.max(live.cursor, at);
        }
        this.#arm(live);
        await this.#drain(live);
      });
    }
    return this.describe(scheduleId);
  }

  /** Stops the schedule's fires until `resume` (a no-op when paused). Open runs go on. */
  async pause(scheduleId: string, note?: string): Promise<void> {
    this.#assertOpen();
    const live = this.#get(scheduleId);
    const checked = checkNote(note);
    await this.#exclusive(live, async () => {
      if (live.paused) return;
      // Fires due before the pause are taken: the pause stops the fires after it.
      const now = this.#host.clock.now();
      await this.#catchUp(live, now);
      await this.#append(live, [{ type: 'SchedulePaused', scheduleId, note: checked }], now);
      live.paused = true;
      live.note = checked;
      live.updatedAt = now;
      this.#arm(live);
    });
  }

  /** Fires again from now on (a no-op when not paused); fires due while paused are not caught up. */
  async resume(scheduleId: string, note?: string): Promise<void> {
    this.#assertOpen();
    const live = this.#get(scheduleId);
    const checked = checkNote(note);
    await this.#exclusive(live, async () => {
      if (!live.paused) return;
      const [resumed] = await this.#append(live, [{ type: 'ScheduleResumed', scheduleId, note: checked }]);
      const at = (resumed as WorkflowEvent).recordedAt;
      live.paused = false;
      live.note = checked;
      live.updatedAt = at;
      live.cursor = Math.max(live.cursor, at);
      this.#arm(live);
    });
  }

  /**
   * Deletes a schedule: no more fires, and fires waiting for their turn are dropped. The
   * workflows it started go on. The id may be used again by a later `create`.
   */
  async delete(scheduleId: string): Promise<void> {
    this.#assertOpen();
    const live = this.#get(scheduleId);
    await this.#exclusive(live, async () => {
      await this.#flushSkips(live);
      await this.#append(live, [{ type: 'ScheduleDeleted', scheduleId }]);
      live.deleted = true;
      live.waiting.length = 0;
      this.#host.disarmTimer(scheduleId);
      this.#live.delete(scheduleId);
      for (const workflowId of live.open) this.#forget(live, workflowId);
    });
    await this.#catalog.remove(scheduleId);
  }

  /**
   * Fires once now, outside the spec, under the schedule's overlap policy, or under `overlap`,
   * which is decided against the runs open now, ahead of fires waiting under the schedule's
   * policy (`allowAll` and `terminateOther` start at once, `cancelOther` starts as soon as the
   * runs it cancels have closed). Works on a paused schedule. The workflow id is
   * `<scheduleId>@<ISO time>#<seq>`.
   */
  async trigger(
    scheduleId: string,
    options: { readonly overlap?: OverlapPolicy } = {},
  ): Promise<TriggerResult> {
    this.#assertOpen();
    const live = this.#get(scheduleId);
    const overlap = options.overlap === undefined ? undefined : checkOverlap(options.overlap);
    return this.#exclusive(live, () => this.#fire(live, this.#host.clock.now(), 'trigger', overlap));
  }

  /**
   * Takes every fire of the spec in [from, to) that is not in the future, oldest first, under the
   * schedule's overlap policy (or `overlap`, decided for each fire as `trigger` decides it;
   * `bufferAll` or `allowAll` take them all). A fire whose workflow was started before (by the
   * spec or an earlier backfill) is not started again.
   * At most {@link MAX_BACKFILL_FIRES} fires per call.
   */
  async backfill(
    scheduleId: string,
    range: { readonly from: number | Date; readonly to: number | Date; readonly overlap?: OverlapPolicy },
  ): Promise<BackfillResult> {
    this.#assertOpen();
    const live = this.#get(scheduleId);
    const from = checkTime('from', range?.from);
    const to = checkTime('to', range?.to);
    if (!(from < to)) throw new InvalidArgumentError('to', `${to} must be after from (${from})`);
    const overlap = range.overlap === undefined ? undefined : checkOverlap(range.overlap);
    return this.#exclusive(live, async () => {
      const end = Math.min(to - 1, this.#host.clock.now());
      const fires: number[] = [];
      for (let at = live.times.after(from - 1); at !== undefined && at <= end; at = live.times.after(at)) {
        if (fires.length === MAX_BACKFILL_FIRES) {
          throw new InvalidArgumentError(
            'backfill',
            `[${from}, ${to}) holds more than ${MAX_BACKFILL_FIRES} fires; backfill a shorter range at a time`,
          );
        }
        fires.push(at);
      }
      const result = { started: 0, waiting: 0, skipped: 0, alreadyStarted: 0 };
      for (const fireAt of fires) {
        if (this.#stopped || live.deleted) break;
        const workflowId = firedWorkflowId(scheduleId, fireAt);
        if (
          live.waiting.some((fire) => fire.workflowId === workflowId) ||
          (await this.#host.workflowStatus(workflowId)) !== undefined
        ) {
          result.alreadyStarted++;
          continue;
        }
        const { outcome } = await this.#fire(live, fireAt, 'backfill', overlap);
        result[outcome === 'started' ? 'started' : outcome === 'waiting' ? 'waiting' : 'skipped']++;
      }
      return result;
    });
  }

  /** Every schedule, by id (on a shared store, other engines' too, as their histories say). */
  async list(): Promise<ScheduleSummary[]> {
    this.#assertOpen();
    const all = [...this.#live.values()];
    if (this.#host.fencing) {
      for (const scheduleId of await this.#catalog.load()) {
        if (this.#live.has(scheduleId)) continue;
        const view = await this.#stored(scheduleId);
        if (view) all.push(view);
      }
    }
    return all
      .sort((a, b) => (a.scheduleId < b.scheduleId ? -1 : a.scheduleId > b.scheduleId ? 1 : 0))
      .map((live) => this.#summary(live));
  }

  /** A schedule's definition, state, next fire times and recent actions. */
  async describe(scheduleId: string): Promise<ScheduleDescription> {
    this.#assertOpen();
    const live = this.#live.get(checkScheduleId(scheduleId)) ?? (await this.#stored(scheduleId));
    if (!live) throw new ScheduleNotFoundError(scheduleId);
    const nextFireTimes: number[] = [];
    if (!live.paused) {
      for (let at = live.times.after(live.cursor); at !== undefined; at = live.times.after(at)) {
        nextFireTimes.push(at);
        if (nextFireTimes.length === NEXT_FIRE_TIMES) break;
      }
    }
    const recentActions: ScheduleActionView[] = [];
    for (const action of [...live.recent]) {
      if (action.kind === 'skipped') {
        recentActions.push(action);
        continue;
      }
      const waiting = live.waiting.some((fire) => fire.workflowId === action.workflowId);
      const status = waiting
        ? 'Waiting'
        : ((await this.#host.workflowStatus(action.workflowId)) ?? 'NotStarted');
      recentActions.push({ ...action, status });
    }
    const { definition } = live;
    return {
      ...this.#summary(live),
      input: definition.input,
      ...(definition.searchAttributes === undefined ? {} : { searchAttributes: definition.searchAttributes }),
      overlap: definition.overlap,
      catchUp: definition.catchUp,
      catchUpWindow: definition.catchUpWindow,
      note: live.note,
      createdAt: live.createdAt,
      updatedAt: live.updatedAt,
      nextFireTimes,
      openWorkflows: [...live.open],
      waiting: live.waiting.map(({ fireAt, workflowId }) => ({ fireAt, workflowId })),
      recentActions,
    };
  }

  /**
   * Resumes every stored schedule (called by `Engine.create` after workflow recovery): starts
   * the fires recorded but never started, then brings each schedule up to now under its
   * catch-up policy, then arms its next fire.
   */
  async recover(shards?: readonly number[]): Promise<void> {
    const wanted = shards === undefined ? undefined : new Set(shards);
    const ids = [...(await this.#catalog.load())].sort();
    for (const scheduleId of ids) {
      if (this.#stopped) return;
      if (wanted && !wanted.has(this.#host.shardOf(scheduleHistoryId(scheduleId)))) continue;
      if (this.#live.has(scheduleId)) continue;
      try {
        await this.#recoverOne(scheduleId);
      } catch (error) {
        this.#host.logger.warn('schedule not recovered', { scheduleId, error: (error as Error).message });
      }
    }
  }

  /**
   * Forgets the schedules of a shard this engine lost (another engine runs them now): their
   * timers disarmed, their state dropped; work under way stops at its next step (its appends
   * are refused by the fence).
   * @internal The engine calls it when it loses a shard.
   */
  drop(shard: number): void {
    for (const [scheduleId, live] of [...this.#live]) {
      if (this.#host.shardOf(scheduleHistoryId(scheduleId)) !== shard) continue;
      this.#host.disarmTimer(scheduleId);
      this.#live.delete(scheduleId);
      this.#recorders.delete(scheduleId);
      live.waiting.length = 0;
      for (const workflowId of [...live.open]) this.#forget(live, workflowId);
    }
  }

  /** Stops firing (called first by `engine.shutdown`); work under way finishes or stops at its next step. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const scheduleId of this.#live.keys()) this.#host.disarmTimer(scheduleId);
    this.#unsubscribe();
  }

  // ---- internals ---------------------------------------------------------------------------

  async #recoverOne(scheduleId: string): Promise<void> {
    const recorder = this.#recorder(scheduleId);
    const record = await recorder.exclusive(async () => foldScheduleHistory(await recorder.read()));
    if (!record) return;
    if (record.deleted) {
      await this.#catalog.remove(scheduleId);
      return;
    }
    const live = new LiveSchedule(scheduleId, recorder, record);
    this.#live.set(scheduleId, live);
    await this.#exclusive(live, async () => {
      // Every fire of this lifetime is checked, oldest first: fires do not start in the order
      // they were recorded (a trigger or backfill with its own policy goes first), so a run
      // started long ago may still be open, and a fire recorded long ago may still wait to
      // start, behind any number of newer fires that started. One visibility read per fire,
      // one at a time: the same order of work as reading the history, which recovery did above.
      const notStarted: WaitingFire[] = [];
      for (const fired of record.fired) {
        const workflowId = fired.startedWorkflowId;
        this.#watch(live, workflowId); // before the read, so a close in between is not missed
        const status = await this.#host.workflowStatus(workflowId);
        if (!isOpen(status)) this.#forget(live, workflowId);
        if (status === undefined) {
          const cause = fired.cause ?? 'spec';
          notStarted.push(
            fired.overlap === undefined
              ? { fireAt: fired.fireAt, cause, workflowId }
              : { fireAt: fired.fireAt, cause, workflowId, overlap: fired.overlap },
          );
        }
      }
      live.waiting.push(...waitingOrder(notStarted, live.open.size));
      await this.#drain(live);
      await this.#catchUp(live);
      this.#arm(live);
    });
  }

  /** Arms the timer of the schedule's next fire, or disarms it (paused, deleted, stopped, no more fires). */
  #arm(live: LiveSchedule): void {
    const next = live.paused || live.deleted || this.#stopped ? undefined : live.times.after(live.cursor);
    if (next === undefined) {
      this.#host.disarmTimer(live.scheduleId);
      return;
    }
    this.#host.armTimer(live.scheduleId, next, () =>
      this.#host.track(
        this.#exclusive(live, async () => {
          await this.#catchUp(live);
          this.#arm(live);
        }).catch((error: unknown) => {
          // Deleted, or its shard moved to another engine (which fires it from now on).
          if (!(error instanceof ScheduleNotFoundError) && this.#live.get(live.scheduleId) === live)
            throw error;
        }),
      ),
    );
  }

  /** Handles every fire of the spec due up to `now`, under the catch-up policy. */
  async #catchUp(live: LiveSchedule, now = this.#host.clock.now()): Promise<void> {
    if (live.paused || this.#stopped) return;
    await this.#refreshOpen(live);
    try {
      for (const step of dueSteps(live.times, live.cursor, now, live.definition)) {
        if (this.#stopped) break;
        if (step.kind === 'skip') await this.#recordSkip(live, step.from, step.upTo, step.reason);
        else await this.#fire(live, step.fireAt, 'spec');
      }
    } finally {
      await this.#flushSkips(live);
    }
  }

  /**
   * One fire: passed over, or recorded (`ScheduleTriggered`) and then started now or queued to
   * start when the overlap policy (the schedule's, or `overlap` given to a trigger or backfill)
   * lets it. Every start goes through the queue, so each recorded fire starts at most once.
   */
  async #fire(
    live: LiveSchedule,
    fireAt: number,
    cause: ScheduleFireCause,
    overlap?: OverlapPolicy,
  ): Promise<FireOutcome> {
    const policy = overlap ?? live.definition.overlap;
    // A trigger or backfill that gives its own policy is decided by it against the runs open now
    // (Temporal's "start one now"): unless that policy waits for the open runs, the fire goes
    // ahead of the fires waiting under the schedule's policy instead of queueing behind them.
    const goesFirst = goesAhead(overlap, live.open.size);
    const waitingAhead = goesFirst ? countReplacing(live) : live.waiting.length;
    if (admitFire(policy, live.open.size, waitingAhead) === 'skip') {
      if (cause === 'spec') {
        if (live.skips) live.skips.upTo = fireAt;
        else live.skips = { from: fireAt, upTo: fireAt };
      }
      return { outcome: 'skipped' };
    }
    await this.#flushSkips(live);
    const { scheduleId } = live;
    const workflowId =
      cause === 'trigger'
        ? triggeredWorkflowId(scheduleId, fireAt, live.recorder.head + 1)
        : firedWorkflowId(scheduleId, fireAt);
    await this.#append(live, [
      {
        type: 'ScheduleTriggered',
        scheduleId,
        fireAt,
        startedWorkflowId: workflowId,
        ...(cause === 'spec' ? {} : { cause }),
        // Recorded so that recovery decides a fire still waiting as it was decided here.
        ...(overlap === undefined ? {} : { overlap }),
      },
    ]);
    if (cause === 'spec') live.cursor = Math.max(live.cursor, fireAt);
    live.remember({ kind: 'fired', fireAt, cause, workflowId });
    const fire: WaitingFire = overlap
      ? { fireAt, cause, workflowId, overlap }
      : { fireAt, cause, workflowId };
    if (goesFirst) live.waiting.unshift(fire);
    else live.waiting.push(fire);
    await this.#drain(live);
    return { outcome: live.waiting.includes(fire) ? 'waiting' : 'started', workflowId };
  }

  /** Starts waiting fires while the overlap policy of the oldest lets it, making room as it says. */
  async #drain(live: LiveSchedule): Promise<void> {
    while (!this.#stopped && !live.deleted) {
      const head = live.waiting[0];
      if (!head) return;
      switch (nextForWaiting(head.overlap ?? live.definition.overlap, live.open.size)) {
        case 'start':
          live.waiting.shift();
          await this.#start(live, head);
          break;
        case 'terminate':
          if (!(await this.#terminateOpen(live))) return;
          break;
        case 'cancel':
          await this.#cancelOpen(live);
          return;
        case 'wait':
          return;
      }
    }
  }

  async #start(live: LiveSchedule, fire: WaitingFire): Promise<void> {
    const { workflowType, input, searchAttributes } = live.definition;
    this.#watch(live, fire.workflowId); // before the start: a run may close before start() returns
    let result: 'started' | 'exists';
    try {
      result = await this.#host.startWorkflow(workflowType, input, {
        workflowId: fire.workflowId,
        ...(searchAttributes === undefined ? {} : { searchAttributes }),
      });
    } catch (error) {
      this.#forget(live, fire.workflowId);
      if (!this.#stopped) {
        this.#host.logger.warn('schedule could not start its workflow', {
          scheduleId: live.scheduleId,
          workflowId: fire.workflowId,
          error: (error as Error).message,
        });
      }
      return;
    }
    if (result === 'exists' && !isOpen(await this.#host.workflowStatus(fire.workflowId))) {
      this.#forget(live, fire.workflowId);
    }
  }

  /** terminateOther: ends every open run; false if one could not be ended (the fire keeps waiting). */
  async #terminateOpen(live: LiveSchedule): Promise<boolean> {
    for (const workflowId of [...live.open]) {
      try {
        await this.#host.terminateWorkflow(workflowId, `schedule ${live.scheduleId}: overlap terminateOther`);
        if (!isOpen(await this.#host.workflowStatus(workflowId))) this.#forget(live, workflowId);
      } catch (error) {
        if (!this.#stopped) {
          this.#host.logger.warn('schedule could not terminate an open run', {
            scheduleId: live.scheduleId,
            workflowId,
            error: (error as Error).message,
          });
        }
      }
    }
    return live.open.size === 0;
  }

  /** cancelOther: asks every open run to cancel, once each; the fire starts when they have closed. */
  async #cancelOpen(live: LiveSchedule): Promise<void> {
    for (const workflowId of [...live.open]) {
      if (live.cancelRequested.has(workflowId)) continue;
      live.cancelRequested.add(workflowId);
      try {
        await this.#host.cancelWorkflow(workflowId, `schedule ${live.scheduleId}: overlap cancelOther`);
      } catch (error) {
        if (!this.#stopped) {
          this.#host.logger.warn('schedule could not cancel an open run', {
            scheduleId: live.scheduleId,
            workflowId,
            error: (error as Error).message,
          });
        }
      }
    }
  }

  /** A run closed: if a schedule started it, the schedule's waiting fires may start now. */
  #runClosed(workflowId: WorkflowId, status: WorkflowStatus): void {
    if (status === 'ContinuedAsNew') return; // the workflow goes on in its successor run
    const live = this.#byWorkflow.get(workflowId);
    if (!live) return;
    this.#forget(live, workflowId);
    if (live.waiting.length > 0 && !this.#stopped) {
      this.#host.track(this.#exclusive(live, () => this.#drain(live)).catch(() => undefined));
    }
  }

  /**
   * On a shared store, the runs a schedule started may run on other engines, whose closes this
   * engine does not hear of: before deciding fires, it reads the status of each open one.
   */
  async #refreshOpen(live: LiveSchedule): Promise<void> {
    if (!this.#host.fencing) return;
    for (const workflowId of [...live.open]) {
      if (!isOpen(await this.#host.workflowStatus(workflowId))) this.#forget(live, workflowId);
    }
  }

  #watch(live: LiveSchedule, workflowId: WorkflowId): void {
    live.open.add(workflowId);
    this.#byWorkflow.set(workflowId, live);
  }

  #forget(live: LiveSchedule, workflowId: WorkflowId): void {
    live.open.delete(workflowId);
    live.cancelRequested.delete(workflowId);
    if (this.#byWorkflow.get(workflowId) === live) this.#byWorkflow.delete(workflowId);
  }

  async #recordSkip(
    live: LiveSchedule,
    from: number,
    upTo: number,
    reason: ScheduleSkipReason,
  ): Promise<void> {
    await this.#flushSkips(live);
    await this.#append(live, [
      { type: 'ScheduleFiresSkipped', scheduleId: live.scheduleId, from, upTo, reason },
    ]);
    live.cursor = Math.max(live.cursor, upTo);
    live.remember({ kind: 'skipped', from, upTo, reason });
  }

  /** Records the overlap skips decided since the last record, as one range. */
  async #flushSkips(live: LiveSchedule): Promise<void> {
    const skips = live.skips;
    if (!skips) return;
    live.skips = undefined;
    await this.#append(live, [
      {
        type: 'ScheduleFiresSkipped',
        scheduleId: live.scheduleId,
        from: skips.from,
        upTo: skips.upTo,
        reason: 'overlap',
      },
    ]);
    live.cursor = Math.max(live.cursor, skips.upTo);
    live.remember({ kind: 'skipped', from: skips.from, upTo: skips.upTo, reason: 'overlap' });
  }

  #append(
    live: LiveSchedule,
    bodies: readonly EventBody[],
    at = this.#host.clock.now(),
  ): Promise<WorkflowEvent[]> {
    return live.recorder.append(bodies, at);
  }

  /** Runs `task` as the schedule's only writer, once the schedule is known to be still there. */
  #exclusive<T>(live: LiveSchedule, task: () => Promise<T>): Promise<T> {
    return live.recorder.exclusive(async () => {
      if (live.deleted || this.#live.get(live.scheduleId) !== live) {
        throw new ScheduleNotFoundError(live.scheduleId);
      }
      return task();
    });
  }

  #get(scheduleId: string): LiveSchedule {
    const live = this.#live.get(checkScheduleId(scheduleId));
    if (!live) {
      this.#assertOwned(scheduleId);
      throw new ScheduleNotFoundError(scheduleId);
    }
    return live;
  }

  /** A schedule in another engine's shard is changed only there: `ShardMovedError` here. */
  #assertOwned(scheduleId: string): void {
    const historyId = scheduleHistoryId(scheduleId);
    if (!this.#host.owns(historyId)) throw new ShardMovedError(historyId, this.#host.shardOf(historyId));
  }

  /** A schedule another engine runs, as its history says now (a view: never armed). */
  async #stored(scheduleId: string): Promise<LiveSchedule | undefined> {
    const historyId = scheduleHistoryId(checkScheduleId(scheduleId));
    const record = foldScheduleHistory(await this.#host.store.readHistory(historyId));
    if (!record || record.deleted) return undefined;
    return new LiveSchedule(scheduleId, new Recorder(historyId, this.#host.store), record);
  }

  #recorder(scheduleId: string): Recorder {
    let recorder = this.#recorders.get(scheduleId);
    if (!recorder) {
      recorder = new Recorder(scheduleHistoryId(scheduleId), this.#host.store, this.#host.fencing);
      this.#recorders.set(scheduleId, recorder);
    }
    return recorder;
  }

  #summary(live: LiveSchedule): ScheduleSummary {
    const nextFireAt = live.paused ? undefined : live.times.after(live.cursor);
    return {
      scheduleId: live.scheduleId,
      spec: live.definition.spec,
      workflowType: live.definition.workflowType,
      paused: live.paused,
      ...(nextFireAt === undefined ? {} : { nextFireAt }),
    };
  }

  #assertOpen(): void {
    this.#host.assertOpen();
  }
}

/**
 * How many waiting fires wait only for the runs they asked to close (their policy is cancelOther
 * or terminateOther): each starts as soon as those have closed, ahead of any buffered fire.
 */
function countReplacing(live: LiveSchedule): number {
  let count = 0;
  for (const fire of live.waiting) {
    const policy = fire.overlap ?? live.definition.overlap;
    if (policy === 'cancelOther' || policy === 'terminateOther') count++;
  }
  return count;
}

function checkNote(note: unknown): string | null {
  if (note === undefined || note === null) return null;
  if (typeof note !== 'string')
    throw new InvalidArgumentError('note', `${JSON.stringify(note)} is not a string`);
  return note;
}

function checkTime(name: string, value: unknown): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new InvalidArgumentError(name, `${String(value)} must be epoch milliseconds or a Date`);
  }
  return ms;
}
