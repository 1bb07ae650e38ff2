/**
 * An error the CLI raises itself. `code` is stable and decides the exit status (see
 * `exit-codes.ts`); the message is the one line the user sees.
 */
export class CliError extends Error {
  constructor(
    readonly code: 'usage' | 'module_error' | 'no_data' | 'data_busy' | 'workflow_closed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/**
 * An error that happened in the worker that served a request, carried back over the control
 * socket with its name, code and message.
 */
export class RemoteError extends Error {
  constructor(
    readonly code: string | undefined,
    name: string,
    message: string,
    /** Extra fields the error had (`status` of a closed workflow, for one). */
    readonly fields: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = name;
  }
}
