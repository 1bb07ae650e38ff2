/**
 * A supervisor's children in start order: OTP's child list. Static strategies key a child by
 * its spec id; `simple_one_for_one` keys each dynamic child by its record, as OTP keeps them by
 * pid and never by id.
 */

import type { ChildType, NormalizedChildSpec } from './child-spec.js';
import type { Process } from './process.js';
import type { ChildId, Pid } from './types.js';

/** One line of `Supervisor.whichChildren`. */
export interface ChildInfo {
  /** The spec id; `undefined` for `simple_one_for_one` children, as in OTP. */
  readonly id: ChildId | undefined;
  /** The running process's pid; `undefined` while the child is not running. */
  readonly pid: Pid | undefined;
  /** Whether the child is a worker or a supervisor, from its spec. */
  readonly type: ChildType;
  /** True while an automatic restart failed and is being retried (OTP shows `restarting`). */
  readonly restarting: boolean;
}

/** What `Supervisor.countChildren` returns, as OTP's `count_children/1`. */
export interface ChildCounts {
  /** Child specs (1 for `simple_one_for_one`). */
  readonly specs: number;
  /** Children running now. */
  readonly active: number;
  /** Children (specs, or dynamic children) of type `'supervisor'`. */
  readonly supervisors: number;
  /** Children (specs, or dynamic children) of type `'worker'`. */
  readonly workers: number;
}

/** The supervisor's record of one child. */
export interface ChildRecord {
  readonly spec: NormalizedChildSpec;
  /** Extra arguments (`simple_one_for_one`). */
  readonly args: readonly unknown[];
  /** The running process, or `undefined`. */
  proc: Process | undefined;
  /** The last process that ran it, for traces. */
  lastPid: Pid | undefined;
  /** Why the last start failed, while `restarting`. */
  failure: Error | undefined;
  restarting: boolean;
}

const NO_ARGS: readonly unknown[] = [];

/** A record for a child not started yet. */
export function newRecord(spec: NormalizedChildSpec, args: readonly unknown[] = NO_ARGS): ChildRecord {
  return { spec, args, proc: undefined, lastPid: undefined, failure: undefined, restarting: false };
}

export class ChildTable {
  private readonly byKey = new Map<unknown, ChildRecord>();

  constructor(private readonly dynamic: boolean) {}

  /** The child with spec id `id` (static strategies only). */
  byId(id: ChildId): ChildRecord | undefined {
    return this.dynamic ? undefined : this.byKey.get(id);
  }

  /** Whether `record` is still one of the children (not removed, not replaced). */
  holds(record: ChildRecord): boolean {
    return this.byKey.get(this.keyOf(record)) === record;
  }

  /** Adds `record` after the others. */
  add(record: ChildRecord): void {
    this.byKey.set(this.keyOf(record), record);
  }

  remove(record: ChildRecord): void {
    this.byKey.delete(this.keyOf(record));
  }

  /** Every child, oldest first. */
  all(): ChildRecord[] {
    return [...this.byKey.values()];
  }

  /** `record` and every child started after it: what `rest_for_one` restarts. */
  from(record: ChildRecord): ChildRecord[] {
    const all = this.all();
    return all.slice(all.indexOf(record));
  }

  /** The id traces and errors name: none for a dynamic child. */
  childIdOf(record: ChildRecord): ChildId | undefined {
    return this.dynamic ? undefined : record.spec.id;
  }

  info(): ChildInfo[] {
    const out: ChildInfo[] = [];
    for (const record of this.byKey.values()) {
      out.push({
        id: this.childIdOf(record),
        pid: record.proc?.pid,
        type: record.spec.type,
        restarting: record.restarting,
      });
    }
    return out;
  }

  counts(): ChildCounts {
    let active = 0;
    let supervisors = 0;
    let workers = 0;
    for (const record of this.byKey.values()) {
      if (record.proc !== undefined) active++;
      if (record.spec.type === 'supervisor') supervisors++;
      else workers++;
    }
    return { specs: this.dynamic ? 1 : this.byKey.size, active, supervisors, workers };
  }

  private keyOf(record: ChildRecord): unknown {
    return this.dynamic ? record : record.spec.id;
  }
}
