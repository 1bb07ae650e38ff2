/**
 * An executable model of OTP 25's supervisor semantics, written straight from its
 * documentation and `supervisor.erl`, with none of the implementation's machinery: no
 * processes, no queues, just a tree of records and a list of trace lines. Children in the
 * model never trap exits, so every stop is immediate and the whole model is synchronous.
 */

export type MRestart = 'permanent' | 'transient' | 'temporary';
export type MStrategy = 'one_for_one' | 'one_for_all' | 'rest_for_one' | 'simple_one_for_one';
/** `normal`, `shutdown`, `killed` or `error:<message>`. */
export type MReason = string;

export interface MWorkerSpec {
  readonly kind: 'worker';
  readonly id: string;
  readonly restart: MRestart;
}

export interface MSupSpec {
  readonly kind: 'sup';
  readonly id: string;
  readonly restart: MRestart;
  readonly strategy: MStrategy;
  readonly intensity: number;
  /** ms, a whole number of seconds. */
  readonly period: number;
  /** For `simple_one_for_one`, one worker template. */
  readonly children: readonly MChildSpec[];
}

export type MChildSpec = MWorkerSpec | MSupSpec;

export interface MChild {
  readonly spec: MChildSpec;
  /** Process identity: a new number at every start; `undefined` while not running. */
  gen: number | undefined;
  /** The running nested supervisor. */
  sup: MSup | undefined;
}

export interface MSup {
  readonly path: string;
  readonly spec: MSupSpec;
  readonly parent: { readonly sup: MSup; readonly child: MChild } | undefined;
  alive: boolean;
  /** Seconds of the automatic restarts still counted. */
  restarts: number[];
  readonly children: MChild[];
}

/** What a model API call answers: `ok` or OTP's error reason. */
export type MAnswer =
  | 'ok'
  | 'noproc'
  | 'not_found'
  | 'running'
  | 'already_started'
  | 'already_present'
  | 'simple_one_for_one';

const isSimple = (sup: MSup): boolean => sup.spec.strategy === 'simple_one_for_one';

export class SupervisionModel {
  readonly trace: string[] = [];
  private gens = 0;
  readonly root: MSup;

  constructor(
    rootSpec: MSupSpec,
    private readonly now: () => number,
  ) {
    this.root = this.newSup(rootSpec, 'R', undefined);
  }

  /** Every live supervisor, root first, parents before children. */
  supervisors(): MSup[] {
    const out: MSup[] = [];
    const visit = (sup: MSup): void => {
      if (!sup.alive) return;
      out.push(sup);
      for (const child of sup.children) if (child.sup !== undefined) visit(child.sup);
    };
    visit(this.root);
    return out;
  }

  /** Every running worker, as (supervisor, child). */
  runningWorkers(): { sup: MSup; child: MChild }[] {
    return this.supervisors().flatMap((sup) =>
      sup.children
        .filter((c) => c.gen !== undefined && c.spec.kind === 'worker')
        .map((child) => ({ sup, child })),
    );
  }

  // --- events -------------------------------------------------------------------------------

  /** A running worker (or nested supervisor) exits on its own with `reason`. */
  childExits(sup: MSup, child: MChild, reason: MReason): void {
    child.gen = undefined;
    child.sup = undefined;
    this.emit(sup, 'child_exited', child, reason);
    const restart = child.spec.restart;
    const abnormal = reason !== 'normal' && reason !== 'shutdown';
    if (restart === 'permanent' || (restart === 'transient' && abnormal)) this.restart(sup, child, reason);
    else this.forget(sup, child);
  }

  /** A nested supervisor is told to exit with `reason` (treated as coming from its parent). */
  supervisorExits(sup: MSup, reason: MReason): void {
    this.stopSup(sup, reason);
    if (sup.parent !== undefined) this.childExits(sup.parent.sup, sup.parent.child, reason);
  }

  // --- calls ----------------------------------------------------------------------------------

  startChild(sup: MSup, spec: MWorkerSpec): MAnswer {
    if (!sup.alive) return 'noproc';
    if (isSimple(sup)) {
      const child: MChild = { spec: sup.spec.children[0]!, gen: undefined, sup: undefined };
      sup.children.push(child);
      this.start(sup, child);
      this.emit(sup, 'child_started', child);
      return 'ok';
    }
    const existing = sup.children.find((c) => c.spec.id === spec.id);
    if (existing !== undefined) return existing.gen !== undefined ? 'already_started' : 'already_present';
    const child: MChild = { spec, gen: undefined, sup: undefined };
    sup.children.push(child);
    this.start(sup, child);
    this.emit(sup, 'child_started', child);
    return 'ok';
  }

  /** `key` is a child index for simple_one_for_one (a pid in the real API), an id otherwise. */
  terminateChild(sup: MSup, key: { id: string } | { index: number }): MAnswer {
    if (!sup.alive) return 'noproc';
    if (isSimple(sup) && 'id' in key) return 'simple_one_for_one';
    const child = 'id' in key ? sup.children.find((c) => c.spec.id === key.id) : sup.children[key.index];
    if (child === undefined) return 'not_found';
    if (child.gen !== undefined) this.terminate(sup, child);
    this.forget(sup, child);
    return 'ok';
  }

  restartChild(sup: MSup, id: string): MAnswer {
    if (!sup.alive) return 'noproc';
    if (isSimple(sup)) return 'simple_one_for_one';
    const child = sup.children.find((c) => c.spec.id === id);
    if (child === undefined) return 'not_found';
    if (child.gen !== undefined) return 'running';
    this.start(sup, child);
    this.emit(sup, 'child_started', child);
    return 'ok';
  }

  deleteChild(sup: MSup, id: string): MAnswer {
    if (!sup.alive) return 'noproc';
    if (isSimple(sup)) return 'simple_one_for_one';
    const index = sup.children.findIndex((c) => c.spec.id === id);
    if (index < 0) return 'not_found';
    if (sup.children[index]!.gen !== undefined) return 'running';
    sup.children.splice(index, 1);
    return 'ok';
  }

  // --- OTP's rules ----------------------------------------------------------------------------

  private newSup(spec: MSupSpec, path: string, parent: MSup['parent']): MSup {
    const sup: MSup = { path, spec, parent, alive: true, restarts: [], children: [] };
    if (!isSimple(sup)) {
      for (const childSpec of spec.children) {
        const child: MChild = { spec: childSpec, gen: undefined, sup: undefined };
        sup.children.push(child);
        this.start(sup, child);
        this.emit(sup, 'child_started', child);
      }
    }
    return sup;
  }

  /** Starts a child (a nested supervisor starts its own static children first). */
  private start(sup: MSup, child: MChild): void {
    child.gen = ++this.gens;
    if (child.spec.kind === 'sup') {
      child.sup = this.newSup(child.spec, `${sup.path}/${child.spec.id}`, { sup, child });
    }
  }

  /** Automatic restart: count it, give up beyond intensity, else apply the strategy. */
  private restart(sup: MSup, child: MChild, reason: MReason): void {
    const second = Math.floor(this.now() / 1000);
    const oldest = second - sup.spec.period / 1000;
    sup.restarts = [...sup.restarts.filter((s) => s >= oldest), second];
    if (sup.restarts.length > sup.spec.intensity) {
      this.emit(sup, 'supervisor_gave_up', child, reason);
      this.supervisorExits(sup, 'shutdown');
      return;
    }
    const strategy = sup.spec.strategy;
    if (strategy === 'one_for_one' || strategy === 'simple_one_for_one') {
      this.start(sup, child);
      this.emit(sup, 'child_restarted', child);
      return;
    }
    const from = strategy === 'one_for_all' ? 0 : sup.children.indexOf(child);
    const group = sup.children.slice(from);
    for (const member of [...group].reverse()) {
      if (member.gen !== undefined) this.terminate(sup, member);
      if (member.spec.restart === 'temporary') sup.children.splice(sup.children.indexOf(member), 1);
    }
    for (const member of group) {
      if (!sup.children.includes(member)) continue;
      this.start(sup, member);
      this.emit(sup, 'child_restarted', member);
    }
  }

  /** The supervisor stops a running child (shutdown); a nested supervisor stops its tree first. */
  private terminate(sup: MSup, child: MChild): void {
    if (child.sup !== undefined) this.stopSup(child.sup, 'shutdown');
    child.gen = undefined;
    child.sup = undefined;
    this.emit(sup, 'child_terminated', child, 'shutdown');
  }

  /** Terminates every child in reverse start order, then the supervisor is gone. */
  private stopSup(sup: MSup, reason: MReason): void {
    for (const child of [...sup.children].reverse()) {
      if (child.gen !== undefined) this.terminate(sup, child);
    }
    sup.alive = false;
    this.trace.push(`${sup.path} supervisor_stopped ${reason}`);
  }

  /** OTP's `del_child`. */
  private forget(sup: MSup, child: MChild): void {
    child.gen = undefined;
    child.sup = undefined;
    if (isSimple(sup) || child.spec.restart === 'temporary') {
      const index = sup.children.indexOf(child);
      if (index >= 0) sup.children.splice(index, 1);
    }
  }

  private emit(sup: MSup, type: string, child: MChild, reason?: MReason): void {
    const id = isSimple(sup) ? '-' : child.spec.id;
    this.trace.push(
      reason === undefined ? `${sup.path} ${type} ${id}` : `${sup.path} ${type} ${id} ${reason}`,
    );
  }
}
