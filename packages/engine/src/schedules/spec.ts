import { type Duration, InvalidScheduleSpecError, type ScheduleSpec, toMs } from '@reprise/core';
import { Cron } from 'croner';

/** A spec as callers write it: the interval and offset may be duration strings such as `'5m'`. */
export type ScheduleSpecInput =
  | { readonly cron: string; readonly timezone?: string }
  | { readonly every: Duration; readonly offset?: Duration };

/** The nominal fire times of a spec, as a pure function of time. */
export interface FireTimes {
  /** The first fire strictly after `time`, or `undefined` if the spec never fires again. */
  after(time: number): number | undefined;
  /** The last fire at or before `time`, or `undefined` if there is none. */
  atOrBefore(time: number): number | undefined;
}

const CRON_NICKNAMES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly']);

/**
 * Checks a spec and puts it in its stored form (intervals in ms). Throws
 * `InvalidScheduleSpecError` naming the bad part: a cron expression that is not 5 or 6 fields
 * (or a nickname such as `@daily`), does not parse or never matches; an unknown time zone; an
 * interval that is not a positive duration; an offset that is negative.
 */
export function normalizeSpec(input: unknown): ScheduleSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidScheduleSpecError('spec', input, 'expected { cron, timezone? } or { every, offset? }');
  }
  const candidate = input as Record<string, unknown>;
  const hasCron = candidate.cron !== undefined;
  const hasEvery = candidate.every !== undefined;
  if (hasCron === hasEvery) {
    throw new InvalidScheduleSpecError('spec', input, 'give exactly one of cron and every');
  }
  if (hasCron) {
    const spec: ScheduleSpec =
      candidate.timezone === undefined
        ? { cron: candidate.cron as string }
        : { cron: candidate.cron as string, timezone: candidate.timezone as string };
    compileCron(spec);
    return spec;
  }
  const every = positiveMs('every', candidate.every);
  if (candidate.offset === undefined) return { every };
  const offset = nonNegativeMs('offset', candidate.offset) % every;
  return offset === 0 ? { every } : { every, offset };
}

/**
 * The spec a partial update means: a new spec of the same kind keeps what it does not name, so
 * `{ cron }` keeps the schedule's `timezone` and `{ every }` its `offset` (give `timezone: 'UTC'`
 * or `offset: 0` to drop them). A spec of the other kind replaces the old one whole. Anything
 * that is not a spec object is returned as it is, for `normalizeSpec` to refuse.
 */
export function specKeeping(current: ScheduleSpec, input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const candidate = input as Record<string, unknown>;
  if ('cron' in current && candidate.cron !== undefined && candidate.every === undefined) {
    return candidate.timezone === undefined && current.timezone !== undefined
      ? { ...candidate, timezone: current.timezone }
      : input;
  }
  if ('every' in current && candidate.every !== undefined && candidate.cron === undefined) {
    return candidate.offset === undefined && current.offset !== undefined
      ? { ...candidate, offset: current.offset }
      : input;
  }
  return input;
}

/** The fire times of a stored spec. The spec must have passed `normalizeSpec`. */
export function fireTimes(spec: ScheduleSpec): FireTimes {
  if ('every' in spec) {
    const every = spec.every;
    const offset = spec.offset ?? 0;
    return {
      after: (time) => offset + (Math.floor((time - offset) / every) + 1) * every,
      atOrBefore: (time) => offset + Math.floor((time - offset) / every) * every,
    };
  }
  const cron = compileCron(spec);
  return {
    after: (time) => cron.nextRun(new Date(time))?.getTime() ?? undefined,
    // croner looks strictly before a whole second; one second past `time`'s second finds `time` itself.
    atOrBefore: (time) =>
      cron.previousRuns(1, new Date(Math.floor(time / 1000) * 1000 + 1000))[0]?.getTime() ?? undefined,
  };
}

function compileCron(spec: { readonly cron: string; readonly timezone?: string }): Cron {
  const { cron, timezone } = spec;
  if (typeof cron !== 'string') throw new InvalidScheduleSpecError('cron', cron, 'expected a string');
  const fields = cron.trim().split(/\s+/);
  const nickname = fields.length === 1 && CRON_NICKNAMES.has(fields[0]?.toLowerCase() ?? '');
  if (!nickname && fields.length !== 5 && fields.length !== 6) {
    throw new InvalidScheduleSpecError(
      'cron',
      cron,
      `expected 5 fields (minute hour day month weekday), 6 with seconds first, or one of ${[...CRON_NICKNAMES].join(', ')}; found ${fields.length}`,
    );
  }
  // croner reads `?` as "the current time's value": a schedule must not depend on when it was parsed.
  if (cron.includes('?')) throw new InvalidScheduleSpecError('cron', cron, '`?` is not supported; use `*`');
  if (timezone !== undefined) checkTimezone(timezone);
  let compiled: Cron;
  try {
    compiled = new Cron(cron, { mode: '5-or-6-parts', ...(timezone === undefined ? {} : { timezone }) });
  } catch (error) {
    throw new InvalidScheduleSpecError('cron', cron, (error as Error).message.replace(/^CronPattern: /, ''));
  }
  // A pattern such as `0 0 30 2 *` (February 30th) parses but never fires.
  if (compiled.nextRun(new Date(Date.UTC(2000, 0, 1))) == null) {
    throw new InvalidScheduleSpecError('cron', cron, 'matches no date');
  }
  return compiled;
}

function checkTimezone(timezone: unknown): void {
  if (typeof timezone !== 'string' || timezone === '') {
    throw new InvalidScheduleSpecError('timezone', timezone, 'expected an IANA time zone name');
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new InvalidScheduleSpecError(
      'timezone',
      timezone,
      'is not a time zone this runtime knows (expected an IANA name such as Europe/Paris)',
    );
  }
}

function positiveMs(field: string, value: unknown): number {
  const ms = nonNegativeMs(field, value);
  if (ms <= 0) throw new InvalidScheduleSpecError(field, value, 'must be a positive duration');
  return ms;
}

function nonNegativeMs(field: string, value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value < 0) {
    throw new InvalidScheduleSpecError(field, value, 'must not be negative');
  }
  try {
    return toMs(value as Duration);
  } catch {
    throw new InvalidScheduleSpecError(
      field,
      value,
      "expected milliseconds or a duration string such as '30s', '5m', '1h'",
    );
  }
}
