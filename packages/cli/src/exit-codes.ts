/**
 * The exit status of every `reprise` command. Scripts may rely on these numbers; the README
 * lists them too.
 */
export const EXIT = {
  /** The command did what it was asked. */
  ok: 0,
  /** Something unexpected went wrong (a bug, an I/O failure); `--verbose` shows the stack. */
  internal: 1,
  /** The command line was wrong: unknown option, bad JSON, unknown workflow type, unloadable module. */
  usage: 2,
  /** The workflow id, or the data directory, does not exist. */
  notFound: 3,
  /**
   * The workflow's state refused the request: already started, already closed, or the data
   * directory is held by another worker.
   */
  refused: 4,
  /** `replay` found a run whose code no longer matches its history. */
  nonDeterminism: 5,
  /** The store could not be opened or read (unavailable, unknown format, corrupt). */
  store: 6,
  /** `start --wait`: the workflow closed other than Completed (failed, cancelled, timed out). */
  notCompleted: 7,
} as const;

/** One of the exit statuses above. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const byErrorCode: Readonly<Record<string, ExitCode>> = {
  usage: EXIT.usage,
  request_too_large: EXIT.usage,
  module_error: EXIT.usage,
  invalid_argument: EXIT.usage,
  invalid_payload: EXIT.usage,
  invalid_duration: EXIT.usage,
  invalid_search_attribute: EXIT.usage,
  unknown_workflow_type: EXIT.usage,
  no_data: EXIT.notFound,
  workflow_not_found: EXIT.notFound,
  schedule_not_found: EXIT.notFound,
  workflow_already_started: EXIT.refused,
  workflow_closed: EXIT.refused,
  data_busy: EXIT.refused,
  no_worker: EXIT.refused,
  workflow_stalled: EXIT.refused,
  non_determinism: EXIT.nonDeterminism,
  workflow_failed: EXIT.notCompleted,
  workflow_cancelled: EXIT.notCompleted,
  workflow_timed_out: EXIT.notCompleted,
  store_unavailable: EXIT.store,
  store_format_unsupported: EXIT.store,
  store_corruption: EXIT.store,
  store_closed: EXIT.store,
};

/** The exit status for an error, from its stable `code` (a Reprise error's or the CLI's own). */
export function exitCodeOf(error: unknown): ExitCode {
  const code = (error as { code?: unknown } | null)?.code;
  return (typeof code === 'string' && byErrorCode[code]) || EXIT.internal;
}
