import { InvalidArgumentError } from './errors.js';
import type { ParentLink, SearchAttributes } from './events.js';
import type { RunId, WorkflowId } from './ids.js';
import { type JsonValue, jsonEqual } from './payload.js';
import { WORKFLOW_STATUSES, type WorkflowStatus } from './run-segment.js';

/** One row of the list of workflows: the latest run of a workflow id, projected from its history. */
export interface WorkflowSummary {
  /** The workflow. */
  readonly workflowId: WorkflowId;
  /** Its latest run. */
  readonly runId: RunId;
  /** The latest run's workflow type (a continue-as-new may change it). */
  readonly workflowType: string;
  /** The latest run's status. */
  readonly status: WorkflowStatus;
  /** When the workflow id's first event was recorded; never changes, so it orders pages stably. */
  readonly createdAt: number;
  /** When the latest run started. */
  readonly startedAt: number;
  /** When the latest run closed; absent while it runs. */
  readonly closedAt?: number;
  /** The latest run's search attributes, as started and upserted. */
  readonly searchAttributes: SearchAttributes;
  /** The last seq of the history. */
  readonly historyLength: number;
  /** The run the latest run continued from; `null` for a first run. */
  readonly parentRunId: RunId | null;
  /** The parent workflow, for a child workflow. */
  readonly parent?: ParentLink;
  /** Set while the latest run is paused (`handle.pause`); its status stays `Running`. */
  readonly paused?: true;
  /** The build id of the engine that started the latest run, when it recorded one. */
  readonly buildId?: string;
  /** Milliseconds from the latest run's start until it times out, when it has an execution timeout. */
  readonly executionTimeout?: number;
  /**
   * What the open latest run has outstanding, derived from its events: present while it runs
   * (rows recorded before it existed lack it). Recovery reads it to leave a run that only waits
   * in the store, replayed when something arrives for it, instead of replaying it at start.
   */
  readonly backlog?: RunBacklog;
}

/**
 * What an open run has outstanding that only its code, replayed, can carry on: derived event by
 * event by the projection (`projectEvents`), so every store keeps it in the same step as the
 * events. A run with none of these, whose timers are not due, only waits.
 */
export interface RunBacklog {
  /** Activities scheduled and not ended (completed, failed for good, or cancelled). */
  readonly activities: number;
  /** Children the run recorded as started whose outcome it has not recorded. */
  readonly children: number;
  /** Signals the run sent (with a `signalId`) whose delivery outcome it has not recorded. */
  readonly signals: number;
  /**
   * Set when an input (a signal, an activity's end, a fired timer ...) is the last thing the run
   * recorded, with no command of its code after it: the code may not have taken it yet (it was
   * recorded from outside the run) or may have thrown on it. Also set from a start until a
   * command follows it, unless the start was recorded with the code's first step and that step
   * asked for nothing (`firstStepQuiet`).
   */
  readonly input?: true;
  /**
   * The build that recorded the run's latest step, when it is not the one that started it (the
   * run's last BuildChanged).
   */
  readonly build?: string;
}

/**
 * A condition on one search attribute. A bare value matches equal values (for a list
 * attribute, lists containing it); an object combines operators, all of which must hold.
 */
export type SearchAttributePredicate = JsonValue | PredicateOperators;

/** The operators of a search-attribute predicate; all given ones must hold. */
export interface PredicateOperators {
  /** Equal to this value (for a list attribute: contains it). */
  readonly eq?: JsonValue;
  /** Equal to one of these values. */
  readonly in?: readonly JsonValue[];
  /** Greater than: a number than a number, a string (an ISO datetime, say) than a string. */
  readonly gt?: number | string;
  /** Greater than or equal. */
  readonly gte?: number | string;
  /** Less than. */
  readonly lt?: number | string;
  /** Less than or equal. */
  readonly lte?: number | string;
  /** A word in a text attribute (case-insensitive), or an element of a keyword list. */
  readonly contains?: string;
  /** A string value that starts with this string. */
  readonly prefix?: string;
  /** `true`: the attribute is set; `false`: it is not. */
  readonly exists?: boolean;
}

/** Which workflows to list. Every given condition must hold. */
export interface VisibilityFilter {
  /** The latest run's status is this one (or one of these). */
  readonly status?: WorkflowStatus | readonly WorkflowStatus[];
  /** The latest run's workflow type is this one (or one of these). */
  readonly workflowType?: string | readonly string[];
  /** Latest run started strictly after (epoch ms). */
  readonly startedAfter?: number;
  /** Latest run started strictly before (epoch ms). */
  readonly startedBefore?: number;
  /** Latest run closed strictly after (epoch ms); open runs never match. */
  readonly closedAfter?: number;
  /** Latest run closed strictly before (epoch ms); open runs never match. */
  readonly closedBefore?: number;
  /** Conditions on search attributes, by name; all must hold. */
  readonly searchAttributes?: Readonly<Record<string, SearchAttributePredicate>>;
  /** The latest run was started by this build (or one of these); see `Engine.create({ buildId })`. */
  readonly buildId?: string | readonly string[];
  /** Page size, 1 to 10,000; default 100. */
  readonly limit?: number;
  /** Where the previous page stopped, as returned with it. */
  readonly cursor?: string;
}

/** A page of summaries; `cursor` is present when more rows may follow. */
export interface VisibilityPage {
  /** The rows, newest workflow first (by `createdAt`, then by id). */
  readonly items: readonly WorkflowSummary[];
  /** Pass as the filter's `cursor` for the next page; absent on the last one. */
  readonly cursor?: string;
  /**
   * Rows this page passed over because their stored value is damaged (`StoreCorruption`): the
   * index placed them in the page's range, but what they hold cannot be read. Absent when none.
   */
  readonly corrupt?: readonly CorruptRecord[];
}

/** A stored record that cannot be read, named for the user who has to restore it. */
export interface CorruptRecord {
  /** The workflow the record belongs to. */
  readonly workflowId: WorkflowId;
  /** The record's key, as the store names it in `StoreCorruption`. */
  readonly key: string;
  /** What is wrong with it. */
  readonly reason: string;
}

/** The page size when a filter gives none. */
export const DEFAULT_PAGE_SIZE = 100;
/** The largest page size a filter may ask for. */
export const MAX_PAGE_SIZE = 10_000;

const predicateOperators = new Set(['eq', 'in', 'gt', 'gte', 'lt', 'lte', 'contains', 'prefix', 'exists']);

/** The position of a row in list order: newest workflow first, then by id. */
export interface ListPosition {
  readonly createdAt: number;
  readonly workflowId: string;
}

/** List order: `createdAt` descending, then `workflowId` ascending. Stable while appends go on. */
export function compareListPosition(a: ListPosition, b: ListPosition): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.workflowId < b.workflowId ? -1 : a.workflowId > b.workflowId ? 1 : 0;
}

/** The opaque cursor for the page after `position`. */
export function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.workflowId]), 'utf8').toString('base64url');
}

/** Reads a cursor made by `encodeCursor`; throws `InvalidArgumentError` for anything else. */
export function decodeCursor(cursor: string): ListPosition {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(decoded) && typeof decoded[0] === 'number' && typeof decoded[1] === 'string') {
      return { createdAt: decoded[0], workflowId: decoded[1] };
    }
  } catch {
    // falls through to the error below
  }
  throw new InvalidArgumentError(
    'cursor',
    `${JSON.stringify(cursor)} is not a cursor returned by a previous page`,
  );
}

/** A filter with its parts checked and put in canonical form. */
export interface NormalizedFilter {
  readonly statuses?: ReadonlySet<WorkflowStatus>;
  readonly workflowTypes?: ReadonlySet<string>;
  readonly buildIds?: ReadonlySet<string>;
  readonly startedAfter?: number;
  readonly startedBefore?: number;
  readonly closedAfter?: number;
  readonly closedBefore?: number;
  readonly searchAttributes: readonly (readonly [string, SearchAttributePredicate])[];
  readonly limit: number;
  readonly after?: ListPosition;
}

const asList = <T>(value: T | readonly T[]): readonly T[] => (Array.isArray(value) ? value : [value as T]);

/** Checks a filter; a bad part throws `InvalidArgumentError` naming it. */
export function normalizeFilter(filter: VisibilityFilter = {}): NormalizedFilter {
  if (typeof filter !== 'object' || filter === null)
    throw new InvalidArgumentError('filter', 'must be an object');
  const known = new Set([
    'status',
    'workflowType',
    'startedAfter',
    'startedBefore',
    'closedAfter',
    'closedBefore',
    'searchAttributes',
    'buildId',
    'limit',
    'cursor',
  ]);
  for (const key of Object.keys(filter)) {
    if (!known.has(key)) throw new InvalidArgumentError(`filter.${key}`, 'is not a filter field');
  }
  let statuses: Set<WorkflowStatus> | undefined;
  if (filter.status !== undefined) {
    statuses = new Set(asList(filter.status));
    for (const status of statuses) {
      if (!WORKFLOW_STATUSES.includes(status)) {
        throw new InvalidArgumentError(
          'filter.status',
          `${JSON.stringify(status)} is not one of ${WORKFLOW_STATUSES.join(', ')}`,
        );
      }
    }
  }
  let workflowTypes: Set<string> | undefined;
  if (filter.workflowType !== undefined) {
    workflowTypes = new Set(asList(filter.workflowType));
    for (const type of workflowTypes) {
      if (typeof type !== 'string')
        throw new InvalidArgumentError('filter.workflowType', `${JSON.stringify(type)} is not a string`);
    }
  }
  let buildIds: Set<string> | undefined;
  if (filter.buildId !== undefined) {
    buildIds = new Set(asList(filter.buildId));
    for (const buildId of buildIds) {
      if (typeof buildId !== 'string')
        throw new InvalidArgumentError('filter.buildId', `${JSON.stringify(buildId)} is not a string`);
    }
  }
  for (const key of ['startedAfter', 'startedBefore', 'closedAfter', 'closedBefore'] as const) {
    const value = filter[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new InvalidArgumentError(`filter.${key}`, `${JSON.stringify(value)} is not epoch milliseconds`);
    }
  }
  const limit = filter.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError(
      'filter.limit',
      `${JSON.stringify(limit)} must be an integer from 1 to ${MAX_PAGE_SIZE}`,
    );
  }
  const searchAttributes = Object.entries(filter.searchAttributes ?? {});
  for (const [name, predicate] of searchAttributes) {
    if (isOperatorObject(predicate)) {
      for (const operator of Object.keys(predicate)) {
        if (!predicateOperators.has(operator)) {
          throw new InvalidArgumentError(
            `filter.searchAttributes.${name}.${operator}`,
            `is not an operator; one of ${[...predicateOperators].join(', ')}`,
          );
        }
      }
      if (predicate.in !== undefined && !Array.isArray(predicate.in)) {
        throw new InvalidArgumentError(`filter.searchAttributes.${name}.in`, 'must be an array');
      }
    }
  }
  const normalized: { -readonly [K in keyof NormalizedFilter]: NormalizedFilter[K] } = {
    searchAttributes,
    limit,
  };
  if (statuses) normalized.statuses = statuses;
  if (workflowTypes) normalized.workflowTypes = workflowTypes;
  if (buildIds) normalized.buildIds = buildIds;
  if (filter.startedAfter !== undefined) normalized.startedAfter = filter.startedAfter;
  if (filter.startedBefore !== undefined) normalized.startedBefore = filter.startedBefore;
  if (filter.closedAfter !== undefined) normalized.closedAfter = filter.closedAfter;
  if (filter.closedBefore !== undefined) normalized.closedBefore = filter.closedBefore;
  if (filter.cursor !== undefined) normalized.after = decodeCursor(filter.cursor);
  return normalized;
}

const isOperatorObject = (predicate: SearchAttributePredicate): predicate is PredicateOperators =>
  typeof predicate === 'object' && predicate !== null && !Array.isArray(predicate);

/** Whether a summary satisfies every condition of a filter (the cursor and limit aside). */
export function matchesFilter(
  summary: Omit<WorkflowSummary, 'historyLength'>,
  filter: NormalizedFilter,
): boolean {
  if (filter.statuses && !filter.statuses.has(summary.status)) return false;
  if (filter.workflowTypes && !filter.workflowTypes.has(summary.workflowType)) return false;
  if (filter.buildIds && !(summary.buildId !== undefined && filter.buildIds.has(summary.buildId)))
    return false;
  if (filter.startedAfter !== undefined && !(summary.startedAt > filter.startedAfter)) return false;
  if (filter.startedBefore !== undefined && !(summary.startedAt < filter.startedBefore)) return false;
  if (
    filter.closedAfter !== undefined &&
    !(summary.closedAt !== undefined && summary.closedAt > filter.closedAfter)
  ) {
    return false;
  }
  if (
    filter.closedBefore !== undefined &&
    !(summary.closedAt !== undefined && summary.closedAt < filter.closedBefore)
  ) {
    return false;
  }
  return filter.searchAttributes.every(([name, predicate]) =>
    attributeMatches(
      Object.hasOwn(summary.searchAttributes, name) ? summary.searchAttributes[name] : undefined,
      predicate,
    ),
  );
}

/** Equality as list filters mean it: a scalar matches a list that contains it. */
function valueMatches(stored: JsonValue | undefined, wanted: JsonValue): boolean {
  if (stored === undefined) return false;
  if (Array.isArray(stored) && !Array.isArray(wanted)) return stored.some((item) => jsonEqual(item, wanted));
  return jsonEqual(stored, wanted);
}

/** The words of a text attribute, as `contains` matches them. */
export function textTokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((token) => token.length > 0);
}

function ordered(
  stored: JsonValue | undefined,
  bound: number | string,
  test: (order: number) => boolean,
): boolean {
  if (typeof stored !== typeof bound || (typeof stored !== 'number' && typeof stored !== 'string'))
    return false;
  return test(stored < bound ? -1 : stored > bound ? 1 : 0);
}

/** Whether one stored attribute value satisfies a predicate. */
export function attributeMatches(
  stored: JsonValue | undefined,
  predicate: SearchAttributePredicate,
): boolean {
  if (!isOperatorObject(predicate)) return valueMatches(stored, predicate);
  const present = stored !== undefined && stored !== null;
  if (predicate.exists !== undefined && predicate.exists !== present) return false;
  if (predicate.eq !== undefined && !valueMatches(stored, predicate.eq)) return false;
  if (predicate.in !== undefined && !predicate.in.some((wanted) => valueMatches(stored, wanted)))
    return false;
  if (predicate.gt !== undefined && !ordered(stored, predicate.gt, (order) => order > 0)) return false;
  if (predicate.gte !== undefined && !ordered(stored, predicate.gte, (order) => order >= 0)) return false;
  if (predicate.lt !== undefined && !ordered(stored, predicate.lt, (order) => order < 0)) return false;
  if (predicate.lte !== undefined && !ordered(stored, predicate.lte, (order) => order <= 0)) return false;
  if (predicate.contains !== undefined) {
    const word = predicate.contains;
    const found = Array.isArray(stored)
      ? stored.includes(word)
      : typeof stored === 'string' && textTokens(stored).includes(word.toLowerCase());
    if (!found) return false;
  }
  if (predicate.prefix !== undefined && !(typeof stored === 'string' && stored.startsWith(predicate.prefix)))
    return false;
  return true;
}

/**
 * One page from rows in any order: those matching the filter, in list order, after the
 * cursor. What a store without indexes does; an indexed store must return the same page.
 */
export function pageOf(rows: Iterable<WorkflowSummary>, filter: NormalizedFilter): VisibilityPage {
  const matching: WorkflowSummary[] = [];
  for (const row of rows) {
    if (filter.after && compareListPosition(row, filter.after) <= 0) continue;
    if (matchesFilter(row, filter)) matching.push(row);
  }
  matching.sort(compareListPosition);
  const items = matching.slice(0, filter.limit);
  const last = items[items.length - 1];
  return matching.length > filter.limit && last ? { items, cursor: encodeCursor(last) } : { items };
}

/**
 * What is wrong with a stored visibility row (the fields that lists, filters and the engine
 * read), or `undefined`; `historyLength` is not looked at (stores keep it apart). A row whose
 * checksum holds yet whose shape is wrong is damage: every store turns this into
 * `StoreCorruption`.
 */
export function storedSummaryProblem(summary: unknown, workflowId: string): string | undefined {
  if (typeof summary !== 'object' || summary === null || Array.isArray(summary))
    return `its summary is ${JSON.stringify(summary)}`;
  const row = summary as Partial<Record<keyof WorkflowSummary, unknown>>;
  if (row.workflowId !== workflowId) return `its summary names workflow ${JSON.stringify(row.workflowId)}`;
  for (const field of ['runId', 'workflowType'] as const) {
    if (typeof row[field] !== 'string') return `summary.${field} is ${JSON.stringify(row[field])}`;
  }
  if (!STORED_STATUSES.has(row.status)) return `summary.status is ${JSON.stringify(row.status)}`;
  for (const field of ['createdAt', 'startedAt'] as const) {
    if (!Number.isFinite(row[field])) return `summary.${field} is ${JSON.stringify(row[field])}`;
  }
  if (row.closedAt !== undefined && !Number.isFinite(row.closedAt)) {
    return `summary.closedAt is ${JSON.stringify(row.closedAt)}`;
  }
  const attributes = row.searchAttributes;
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
    return `summary.searchAttributes is ${JSON.stringify(attributes)}`;
  }
  if (row.parentRunId !== null && typeof row.parentRunId !== 'string') {
    return `summary.parentRunId is ${JSON.stringify(row.parentRunId)}`;
  }
  return undefined;
}

const STORED_STATUSES = new Set<unknown>(WORKFLOW_STATUSES);
