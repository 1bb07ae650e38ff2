/** The errors the actor system throws. Each has a stable `code`. */

import type { ChildId, Pid } from './types.js';

/**
 * Base class of every error `@reprise/actors` throws. `err instanceof RepriseError` (from
 * `@reprise/core`) holds for it: its prototype carries core's mark, `Symbol.for('reprise.error')`,
 * which this package sets without importing core (it is usable alone).
 */
export abstract class ActorError extends Error {
  /** Stable machine-readable code. */
  abstract readonly code: string;
}
Object.defineProperty(ActorError.prototype, Symbol.for('reprise.error'), { value: true });

/**
 * The process (or supervisor, or system) addressed is not alive, as OTP calls exit with
 * `noproc`. Every call on a supervisor that has exited throws it.
 */
export class NoProcError extends ActorError {
  /** Always `'noproc'`. */
  readonly code = 'noproc' as const;
  /** The process addressed, when there is one. */
  readonly pid: Pid | undefined;

  /** @param pid - the dead process, if any. */
  constructor(pid: Pid | undefined, message?: string) {
    super(message ?? (pid === undefined ? 'no such process' : `no such process: ${pid}`));
    this.name = 'NoProcError';
    this.pid = pid;
  }
}

/**
 * Why a supervisor call failed: the reasons OTP answers as `{error, Reason}`, plus
 * `failed_to_start_child` for a supervisor whose static children could not all start.
 */
export type SupervisorErrorCode =
  | 'running'
  | 'restarting'
  | 'not_found'
  | 'already_present'
  | 'already_started'
  | 'simple_one_for_one'
  | 'start_failed'
  | 'failed_to_start_child'
  | 'invalid_child_spec';

/**
 * A supervisor call answered with an error, as OTP's `{error, Reason}`.
 *
 * - `running` / `restarting`: `restartChild` or `deleteChild` of a child that is running or
 *   being restarted.
 * - `not_found`: no child with that id (or pid, for `simple_one_for_one`).
 * - `already_started` (`pid` set) / `already_present`: `startChild` with an id in use.
 * - `simple_one_for_one`: the call is not available on a `simple_one_for_one` supervisor.
 * - `start_failed`: the child's start failed; `cause` holds why.
 * - `failed_to_start_child`: `startSupervisor` (or the start of a nested supervisor) failed
 *   because static child `childId` did not start; `cause` holds why.
 * - `invalid_child_spec`: a child spec field is missing or out of range.
 */
export class SupervisorError extends ActorError {
  /** OTP's reason, as a stable code. */
  readonly code: SupervisorErrorCode;
  /** The child concerned, when there is one. */
  readonly childId: ChildId | undefined;
  /** The running child, for `already_started`. */
  readonly pid: Pid | undefined;

  /** @param code - OTP's reason. */
  constructor(
    code: SupervisorErrorCode,
    details: { childId?: ChildId | undefined; pid?: Pid | undefined; cause?: unknown; message?: string } = {},
  ) {
    const about = details.childId === undefined ? '' : ` (child ${details.childId})`;
    super(details.message ?? `supervisor call failed: ${code}${about}`, { cause: details.cause });
    this.name = 'SupervisorError';
    this.code = code;
    this.childId = details.childId;
    this.pid = details.pid;
  }
}
