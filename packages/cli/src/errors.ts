import { RepriseError } from '@reprise/core';

/** The codes of the CLI's own errors; `exit-codes.ts` maps each to an exit status. */
export type CliErrorCode =
  | 'usage'
  | 'module_error'
  | 'no_data'
  | 'data_busy'
  | 'workflow_closed'
  /**
   * The command needs a live engine (the workflow's code, a query, a schedule change) and no
   * worker runs on the data directory.
   */
  | 'no_worker'
  /** The process holding the data directory did not answer on its control socket. */
  | 'worker_unreachable';

/**
 * An error the CLI raises itself. `code` is stable and decides the exit status (see
 * `exit-codes.ts`); the message is the one line the user sees.
 */
export class CliError extends RepriseError {
  constructor(
    /** What went wrong, stable; it decides the exit status. */
    readonly code: CliErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * An error that happened in the worker that served a request, carried back over the control
 * socket with its name, code and message. `code` is the worker's error's, or `remote_error`
 * for one that had none.
 */
export class RemoteError extends RepriseError {
  readonly code: string;
  constructor(
    code: string | undefined,
    name: string,
    message: string,
    /** Extra fields the error had (`status` of a closed workflow, for one). */
    readonly fields: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.code = code ?? 'remote_error';
    // The worker's error's name, so that the one line printed reads as it would have there.
    this.name = name;
  }
}
