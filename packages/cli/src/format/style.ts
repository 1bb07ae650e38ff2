import type { WorkflowStatus } from '@reprise/core';
import picocolors from 'picocolors';

/** The colours of one output stream: real ones on a terminal, none otherwise. */
export type Colours = ReturnType<typeof picocolors.createColors>;

/**
 * Colours for `stream`: only when it is a terminal, `NO_COLOR` is unset or empty
 * (https://no-color.org) and `TERM` is not `dumb`. Piped or redirected output, which scripts
 * read, never has escape codes.
 */
export function coloursFor(
  stream: { readonly isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): Colours {
  const enabled = stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
  return picocolors.createColors(enabled);
}

/** A status as a list or a description shows it, coloured by what it means. */
export function styledStatus(colours: Colours, status: WorkflowStatus | 'Stalled'): string {
  switch (status) {
    case 'Completed':
      return colours.green(status);
    case 'Failed':
    case 'TimedOut':
    case 'Stalled':
      return colours.red(status);
    case 'Cancelled':
      return colours.yellow(status);
    case 'Running':
      return colours.cyan(status);
    default:
      return status;
  }
}
