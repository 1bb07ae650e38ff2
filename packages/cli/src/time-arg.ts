import { toMs } from '@reprise/core';
import { CliError } from './errors.js';

/**
 * Reads a time option (`--started-after 2026-01-31`, `--closed-before 2026-01-31T12:00:00Z`,
 * `--started-after 2h` for two hours ago, or epoch ms) as epoch ms, naming the option when it
 * is none of these.
 */
export function parseTimeArgument(option: string, text: string, now: number): number {
  if (/^\d+$/.test(text)) return Number(text);
  if (/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/.test(text)) return now - toMs(text);
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) {
    throw new CliError(
      'usage',
      `${option} ${JSON.stringify(text)} is not a time: give an ISO date or time (2026-01-31, 2026-01-31T12:00:00Z), a duration ago (90m, 2h, 7d) or epoch ms`,
    );
  }
  return parsed;
}
