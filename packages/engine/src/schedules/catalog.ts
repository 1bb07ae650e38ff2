import { ConcurrencyConflict, type EventStore, type WorkflowEvent } from '@reprise/core';
import { Recorder } from '../recorder.js';
import { CATALOG_HISTORY_ID } from './ids.js';

/** The schedule ids a catalog history lists: `ScheduleListed` adds one, `ScheduleUnlisted` removes it. */
export function listedIds(history: readonly WorkflowEvent[]): Set<string> {
  const ids = new Set<string>();
  for (const event of history) {
    if (event.type === 'ScheduleListed') ids.add(event.scheduleId);
    else if (event.type === 'ScheduleUnlisted') ids.delete(event.scheduleId);
  }
  return ids;
}

/**
 * The durable list of schedule ids, kept as a history of its own (the store has no other way to
 * enumerate schedules). A create lists its id before it records `ScheduleCreated`, so a crash in
 * between leaves a listed id with no schedule, which recovery ignores; never a schedule that
 * recovery cannot find. A delete unlists its id after it records `ScheduleDeleted`, for the same
 * reason. Appends are idempotent: listing a listed id writes nothing.
 */
export class Catalog {
  readonly #recorder: Recorder;
  #ids: Set<string> | undefined;

  constructor(
    store: EventStore,
    private readonly now: () => number,
  ) {
    this.#recorder = new Recorder(CATALOG_HISTORY_ID, store);
  }

  /** Every listed id, read from the store. */
  load(): Promise<ReadonlySet<string>> {
    return this.#recorder.exclusive(async () => {
      this.#ids = listedIds(await this.#recorder.read());
      return this.#ids;
    });
  }

  /** Lists `scheduleId` (no-op when listed). */
  add(scheduleId: string): Promise<void> {
    return this.#change(scheduleId, true);
  }

  /** Unlists `scheduleId` (no-op when not listed). */
  remove(scheduleId: string): Promise<void> {
    return this.#change(scheduleId, false);
  }

  #change(scheduleId: string, listed: boolean): Promise<void> {
    return this.#recorder.exclusive(async () => {
      for (let attempt = 0; ; attempt++) {
        if (!this.#ids) this.#ids = listedIds(await this.#recorder.read());
        if (this.#ids.has(scheduleId) === listed) return;
        try {
          await this.#recorder.append(
            [{ type: listed ? 'ScheduleListed' : 'ScheduleUnlisted', scheduleId }],
            this.now(),
          );
          if (listed) this.#ids.add(scheduleId);
          else this.#ids.delete(scheduleId);
          return;
        } catch (error) {
          // Another process wrote to the catalog: read it again and decide again.
          if (!(error instanceof ConcurrencyConflict) || attempt >= 3) throw error;
          this.#ids = undefined;
        }
      }
    });
  }
}
