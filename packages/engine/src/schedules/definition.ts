import {
  type Duration,
  InvalidArgumentError,
  type JsonObject,
  type JsonValue,
  type ScheduleSpec,
  type SearchAttributes,
  toMs,
} from '@reprise/core';
import { CATCH_UP_POLICIES, type CatchUpPolicy } from './catch-up.js';
import { OVERLAP_POLICIES, type OverlapPolicy } from './overlap.js';
import { normalizeSpec, type ScheduleSpecInput } from './spec.js';

/** The catch-up window when none is given: a year, as Temporal's. */
export const DEFAULT_CATCH_UP_WINDOW_MS = 365 * 86_400_000;

/** What a schedule starts and how: everything `create` takes but its id and initial pause. */
export interface ScheduleDefinition {
  readonly spec: ScheduleSpec;
  readonly workflowType: string;
  readonly input: JsonValue;
  readonly searchAttributes?: SearchAttributes;
  readonly overlap: OverlapPolicy;
  readonly catchUp: CatchUpPolicy;
  /** In ms. */
  readonly catchUpWindow: number;
}

/** Options of `engine.schedules.create`. */
export interface ScheduleOptions {
  /** Names the schedule; the workflows it starts have ids `<scheduleId>@<ISO fire time>`. */
  readonly scheduleId: string;
  /** When it fires: `{ cron }` (with an optional timezone) or `{ every }`. */
  readonly spec: ScheduleSpecInput;
  /** A registered workflow type. */
  readonly workflowType: string;
  /** The input of every workflow the schedule starts (`null` if not given). */
  readonly input?: JsonValue;
  /** Search attributes of every workflow the schedule starts. */
  readonly searchAttributes?: SearchAttributes;
  /** What a fire does while a run the schedule started is open; `skip` by default. */
  readonly overlap?: OverlapPolicy;
  /** What happens to fires missed while the engine was down; `one` by default. */
  readonly catchUp?: CatchUpPolicy;
  /** How late a fire may still be taken; a year by default. */
  readonly catchUpWindow?: Duration;
  /** Create the schedule paused. */
  readonly paused?: boolean;
  /** A note kept with the pause (or with the creation when not paused). */
  readonly note?: string;
}

/** What `engine.schedules.update` may change; absent fields stay as they are. */
export interface ScheduleChanges {
  /** A new spec, replacing the old one. */
  readonly spec?: ScheduleSpecInput;
  /** A new workflow type for the fires from now on. */
  readonly workflowType?: string;
  /** A new input for the fires from now on. */
  readonly input?: JsonValue;
  /** New search attributes for the workflows started from now on; `null` removes them. */
  readonly searchAttributes?: SearchAttributes | null;
  /** A new overlap policy. */
  readonly overlap?: OverlapPolicy;
  /** A new catch-up policy. */
  readonly catchUp?: CatchUpPolicy;
  /** A new catch-up window. */
  readonly catchUpWindow?: Duration;
}

/** A schedule id: 1 to 256 characters. */
export function checkScheduleId(scheduleId: unknown): string {
  if (typeof scheduleId !== 'string' || scheduleId.length === 0 || scheduleId.length > 256) {
    throw new InvalidArgumentError(
      'scheduleId',
      `${JSON.stringify(scheduleId) ?? String(scheduleId)} must be a string of 1 to 256 characters`,
    );
  }
  return scheduleId;
}

/** Checks an overlap policy. */
export function checkOverlap(overlap: unknown): OverlapPolicy {
  if (!OVERLAP_POLICIES.includes(overlap as OverlapPolicy)) {
    throw new InvalidArgumentError(
      'overlap',
      `${JSON.stringify(overlap) ?? String(overlap)} is not one of ${OVERLAP_POLICIES.join(', ')}`,
    );
  }
  return overlap as OverlapPolicy;
}

function checkCatchUp(catchUp: unknown): CatchUpPolicy {
  if (!CATCH_UP_POLICIES.includes(catchUp as CatchUpPolicy)) {
    throw new InvalidArgumentError(
      'catchUp',
      `${JSON.stringify(catchUp) ?? String(catchUp)} is not one of ${CATCH_UP_POLICIES.join(', ')}`,
    );
  }
  return catchUp as CatchUpPolicy;
}

function checkWorkflowType(workflowType: unknown): string {
  if (typeof workflowType !== 'string' || workflowType === '') {
    throw new InvalidArgumentError(
      'workflowType',
      `${JSON.stringify(workflowType) ?? String(workflowType)} must be a workflow type name`,
    );
  }
  return workflowType;
}

/**
 * The definition `create` options describe, checked field by field (the workflow type's
 * registration, the input and the search attributes are checked by the caller, who knows the
 * engine's registry and schema).
 */
export function definitionFromOptions(options: ScheduleOptions): ScheduleDefinition {
  const searchAttributes = options.searchAttributes;
  return {
    spec: normalizeSpec(options.spec),
    workflowType: checkWorkflowType(options.workflowType),
    input: options.input === undefined ? null : options.input,
    ...(searchAttributes === undefined ? {} : { searchAttributes }),
    overlap: checkOverlap(options.overlap ?? 'skip'),
    catchUp: checkCatchUp(options.catchUp ?? 'one'),
    catchUpWindow: toMs(options.catchUpWindow ?? DEFAULT_CATCH_UP_WINDOW_MS),
  };
}

/** The changes an update asks for, checked, in the form `ScheduleUpdated.changes` records. */
export function normalizeChanges(changes: ScheduleChanges): Record<string, JsonValue> {
  if (typeof changes !== 'object' || changes === null) {
    throw new InvalidArgumentError('changes', 'expected an object of the fields to change');
  }
  const known = ['spec', 'workflowType', 'input', 'searchAttributes', 'overlap', 'catchUp', 'catchUpWindow'];
  for (const key of Object.keys(changes)) {
    if (!known.includes(key))
      throw new InvalidArgumentError('changes', `${JSON.stringify(key)} cannot be changed`);
  }
  const out: Record<string, JsonValue> = {};
  if (changes.spec !== undefined) out.spec = normalizeSpec(changes.spec) as unknown as JsonObject;
  if (changes.workflowType !== undefined) out.workflowType = checkWorkflowType(changes.workflowType);
  if (changes.input !== undefined) out.input = changes.input;
  if (changes.searchAttributes !== undefined) out.searchAttributes = changes.searchAttributes;
  if (changes.overlap !== undefined) out.overlap = checkOverlap(changes.overlap);
  if (changes.catchUp !== undefined) out.catchUp = checkCatchUp(changes.catchUp);
  if (changes.catchUpWindow !== undefined) out.catchUpWindow = toMs(changes.catchUpWindow);
  return out;
}

/** The `options` object `ScheduleCreated` records: the definition beyond spec, type and input. */
export function recordedOptions(definition: ScheduleDefinition): JsonObject {
  return {
    overlap: definition.overlap,
    catchUp: definition.catchUp,
    catchUpWindow: definition.catchUpWindow,
    ...(definition.searchAttributes === undefined ? {} : { searchAttributes: definition.searchAttributes }),
  };
}

/** The definition a recorded `ScheduleCreated` describes. */
export function definitionFromRecord(
  spec: ScheduleSpec,
  workflowType: string,
  input: JsonValue,
  options: JsonObject,
): ScheduleDefinition {
  return applyChanges(
    {
      spec,
      workflowType,
      input,
      overlap: 'skip',
      catchUp: 'one',
      catchUpWindow: DEFAULT_CATCH_UP_WINDOW_MS,
    },
    options,
  );
}

/** The definition after recorded changes (`ScheduleUpdated.changes`, or created options). */
export function applyChanges(definition: ScheduleDefinition, changes: JsonObject): ScheduleDefinition {
  const next: { -readonly [K in keyof ScheduleDefinition]: ScheduleDefinition[K] } = { ...definition };
  if (changes.spec !== undefined) next.spec = changes.spec as unknown as ScheduleSpec;
  if (typeof changes.workflowType === 'string') next.workflowType = changes.workflowType;
  if (changes.input !== undefined) next.input = changes.input;
  if (changes.searchAttributes === null) delete next.searchAttributes;
  else if (changes.searchAttributes !== undefined)
    next.searchAttributes = changes.searchAttributes as SearchAttributes;
  if (changes.overlap !== undefined) next.overlap = changes.overlap as OverlapPolicy;
  if (changes.catchUp !== undefined) next.catchUp = changes.catchUp as CatchUpPolicy;
  if (typeof changes.catchUpWindow === 'number') next.catchUpWindow = changes.catchUpWindow;
  return next;
}
