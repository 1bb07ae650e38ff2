import {
  type CorruptRecord,
  type PredicateOperators,
  type SearchAttributePredicate,
  StoreCorruption,
  type VisibilityFilter,
  type VisibilityPage,
  WORKFLOW_STATUSES,
  type WorkflowId,
  type WorkflowSummary,
} from '@reprise/core';
import {
  compareListPosition,
  encodeCursor,
  type ListPosition,
  matchesFilter,
  type NormalizedFilter,
  normalizeFilter,
} from '@reprise/core/internal';
import { fromKeyText, toKeyText } from './key-text.js';
import {
  AFTER_ALL,
  asKey,
  type Databases,
  INDEXED_VALUE_UNITS,
  type IndexName,
  type KeyPart,
  negated,
  type StoredSummary,
} from './layout.js';
import { indexedName, indexedScalar, indexedString } from './visibility-index.js';

/**
 * Visibility queries over the indexes of `layout.ts`, returning exactly what `pageOf` returns
 * over all rows (the reference semantics). Every candidate row an index yields is checked with
 * `matchesFilter`, so an index only has to yield a superset of the matching rows, in list order
 * or not at all:
 *
 * - a *stream* is a union of index ranges whose keys end in the list position, so it yields rows
 *   in list order, from the cursor on, and a page stops as soon as it is full. Status and type
 *   (and both together), attribute equality, `in`, `contains` and `exists: true` are streams;
 *   the one with the fewest keys drives the page (a lone stream drives without being counted).
 *   Keys are counted in lmdb-js's native code, and only up to a cap (`PLAN_COUNT_CAP`, once more
 *   up to `PLAN_COUNT_CAP_MAX` when every stream has more), so planning stays cheap on large
 *   indexes; of streams all over the cap, the first drives;
 * - a *range scan* (start or close time, attribute `gt`/`gte`/`lt`/`lte`/`prefix`) yields rows in
 *   value order; it is used only when it turns out small (within a budget of keys), then sorted;
 * - with neither, the `list` index is the stream: every row, in list order.
 *
 * Everything a query reads happens synchronously, so it sees one read snapshot.
 */

/** Where rows come from: the databases and a reader of summaries that reports corruption. */
export interface RowSource {
  readonly dbs: Databases;
  /**
   * The stored summary of the workflow with key form `tid` (all but `historyLength`); `via` names
   * the index entry that led there.
   */
  summaryOf(tid: string, via: () => string): StoredSummary;
  /** The summary as a row: with `historyLength`, read for the rows a page returns only. */
  rowOf(tid: string, summary: StoredSummary): WorkflowSummary;
}

interface Part {
  readonly index: IndexName;
  readonly prefix: readonly KeyPart[];
}

interface Stream {
  readonly parts: readonly Part[];
  readonly estimate: number;
}

interface Candidate {
  readonly negCreatedAt: number;
  readonly tid: string;
  readonly workflowId: string;
  readonly index: IndexName;
  readonly key: readonly KeyPart[];
}

/** The most keys a range scan reads before it gives up in favour of a stream. */
const RANGE_BUDGET = 20_000;

/** Planning first looks whether a range has this many keys (a few µs)... */
const PLAN_COUNT_PROBE = 256;
/** ...then counts a stream's keys up to this many (about 0.1 ms in native code)... */
const PLAN_COUNT_CAP = 4_096;
/** ...and, when every stream has more, up to this many (about 1 ms). */
const PLAN_COUNT_CAP_MAX = 32_768;

/** One page of rows matching `filter`, newest workflow first. */
export function queryPage(source: RowSource, filter?: VisibilityFilter): VisibilityPage {
  const normalized = normalizeFilter(filter);
  const matching: [string, StoredSummary][] = [];
  const corrupt: CorruptRecord[] = [];
  visitMatches(
    source,
    normalized,
    normalized.limit + 1,
    (tid, row) => matching.push([tid, row]),
    (workflowId, error) => {
      if (matching.length <= normalized.limit)
        corrupt.push({ workflowId: workflowId as WorkflowId, key: error.key, reason: error.reason });
    },
  );
  const items = matching.slice(0, normalized.limit).map(([tid, row]) => source.rowOf(tid, row));
  const last = items[items.length - 1];
  return {
    items,
    ...(matching.length > normalized.limit && last ? { cursor: encodeCursor(last) } : {}),
    ...(corrupt.length > 0 ? { corrupt } : {}),
  };
}

/** How many rows match `filter` (its limit ignored); a damaged row is not counted. */
export function countRows(source: RowSource, filter?: VisibilityFilter): number {
  const normalized = normalizeFilter(filter);
  const counted = countFromIndexes(source, normalized);
  if (counted !== undefined) return counted;
  let count = 0;
  visitMatches(
    source,
    normalized,
    Number.POSITIVE_INFINITY,
    () => count++,
    () => {},
  );
  return count;
}

/**
 * Calls `onMatch` for each row matching `filter`, in list order, until `want` matched. A row
 * that cannot be read (its value damaged, or the index entry that led to it disagreeing with
 * it) goes to `onCorrupt` instead: one damaged record must not hide every other row.
 */
function visitMatches(
  source: RowSource,
  filter: NormalizedFilter,
  want: number,
  onMatch: (tid: string, row: StoredSummary) => void,
  onCorrupt: (workflowId: string, error: StoreCorruption) => void,
): void {
  let found = 0;
  const after = filter.after;
  for (const candidate of candidatesOf(source, filter, want)) {
    if (after && compareListPosition(positionOf(candidate), after) <= 0) continue;
    const entry = `${candidate.index} ${JSON.stringify(candidate.key)}`;
    let row: StoredSummary;
    try {
      row = source.summaryOf(candidate.tid, () => entry);
    } catch (error) {
      if (!(error instanceof StoreCorruption)) throw error;
      onCorrupt(candidate.workflowId, error);
      continue;
    }
    if (row.createdAt !== negated(candidate.negCreatedAt) || row.workflowId !== candidate.workflowId) {
      // An index entry whose row moved: only a damaged environment can hold one.
      onCorrupt(
        candidate.workflowId,
        new StoreCorruption(
          entry,
          `index entry points at workflow ${JSON.stringify(row.workflowId)} created at ${row.createdAt}`,
        ),
      );
      continue;
    }
    if (!matchesFilter(row, filter)) continue;
    onMatch(candidate.tid, row);
    if (++found >= want) return;
  }
}

const positionOf = (candidate: Candidate): ListPosition => ({
  createdAt: negated(candidate.negCreatedAt),
  workflowId: candidate.workflowId,
});

function candidateOf(index: IndexName, key: readonly KeyPart[]): Candidate {
  const tid = key[key.length - 1] as string;
  return {
    negCreatedAt: key[key.length - 2] as number,
    tid,
    workflowId: fromKeyText(tid),
    index,
    key,
  };
}

/** The candidates of the cheapest plan (see the module comment). */
function candidatesOf(source: RowSource, filter: NormalizedFilter, want: number): Iterable<Candidate> {
  const { dbs } = source;
  const scans = rangeScansOf(filter);
  // A stream of at most this many rows is read rather than a range scan tried.
  const small = want * 4 + 64;
  const cap =
    scans.length > 0 && Number.isFinite(small) ? Math.max(PLAN_COUNT_CAP, small + 1) : PLAN_COUNT_CAP;
  const parts = streamsOf(dbs, filter);
  // One stream and nothing to weigh it against: it drives, whatever its size.
  if (parts.length === 1 && scans.length === 0) return mergeStream(dbs, parts[0] as Part[], filter.after);
  if (parts.length === 0 && scans.length === 0) return mergeStream(dbs, [LIST], filter.after);
  let streams = estimateStreams(dbs, parts, cap);
  if (streams.length > 1 && streams.every((stream) => stream.estimate >= cap) && cap < PLAN_COUNT_CAP_MAX) {
    streams = estimateStreams(dbs, parts, PLAN_COUNT_CAP_MAX);
  }
  // Counted up to the largest cap: a list over it is larger than any stream's estimate.
  const all: Stream = { parts: [LIST], estimate: rangeCount(dbs, LIST, PLAN_COUNT_CAP_MAX) };
  // The first of the smallest; the whole list only when it is smaller than every stream.
  const best = [...streams, all].reduce((a, b) => (b.estimate < a.estimate ? b : a));
  if (best.estimate === 0) return [];
  if (scans.length > 0 && best.estimate > small) {
    // A capped estimate says only "more than the cap": the scan may read its whole budget.
    const budget = best === all || best.estimate < cap ? Math.min(best.estimate, RANGE_BUDGET) : RANGE_BUDGET;
    for (const scan of scans) {
      const found = scan(dbs, budget);
      if (found) return found.sort((a, b) => compareListPosition(positionOf(a), positionOf(b)));
    }
  }
  return mergeStream(dbs, best.parts, filter.after);
}

/** Rows of a union of index ranges, in list order, each once, from just after `after`. */
function* mergeStream(
  dbs: Databases,
  parts: readonly Part[],
  after: ListPosition | undefined,
): Generator<Candidate> {
  const iterators = parts.map((part) => {
    const start = after
      ? [...part.prefix, negated(after.createdAt), toKeyText(after.workflowId)]
      : [...part.prefix];
    const keys = dbs.indexes[part.index].getKeys({
      start: asKey(start),
      end: asKey([...part.prefix, AFTER_ALL]),
    });
    return { index: part.index, iterator: keys[Symbol.iterator]() as Iterator<KeyPart[]> };
  });
  try {
    const heads: (Candidate | undefined)[] = iterators.map(({ index, iterator }) => advance(index, iterator));
    let previous: Candidate | undefined;
    for (;;) {
      let smallest = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i];
        if (!head) continue;
        const current = heads[smallest];
        if (!current || compareListPosition(positionOf(head), positionOf(current)) < 0) smallest = i;
      }
      const next = heads[smallest];
      if (!next) return;
      const source = iterators[smallest] as (typeof iterators)[number];
      heads[smallest] = advance(source.index, source.iterator);
      if (previous && previous.tid === next.tid && previous.negCreatedAt === next.negCreatedAt) continue;
      previous = next;
      yield next;
    }
  } finally {
    for (const { iterator } of iterators) iterator.return?.();
  }
}

function advance(index: IndexName, iterator: Iterator<KeyPart[]>): Candidate | undefined {
  const step = iterator.next();
  return step.done ? undefined : candidateOf(index, step.value);
}

const isOperatorObject = (predicate: SearchAttributePredicate): predicate is PredicateOperators =>
  typeof predicate === 'object' && predicate !== null && !Array.isArray(predicate);

/** Each condition of the filter that an index serves in list order, as the ranges to merge. */
function streamsOf(dbs: Databases, filter: NormalizedFilter): Part[][] {
  const streams: Part[][] = [];
  const types = filter.workflowTypes && [...new Set([...filter.workflowTypes].map(indexedString))];
  const statusParts = statusTypeParts(dbs, filter.statuses && [...filter.statuses], types);
  if (statusParts) streams.push(statusParts);
  for (const [name, predicate] of filter.searchAttributes) {
    const parts = attributeParts(indexedName(name), predicate);
    if (parts) streams.push(dedupeParts(parts));
  }
  return streams;
}

function attributeParts(name: string, predicate: SearchAttributePredicate): Part[] | undefined {
  if (!isOperatorObject(predicate)) return valueParts(name, predicate);
  if (predicate.eq !== undefined) return valueParts(name, predicate.eq);
  if (predicate.in !== undefined) {
    const parts: Part[] = [];
    for (const wanted of predicate.in) {
      const more = valueParts(name, wanted);
      if (!more) return undefined;
      parts.push(...more);
    }
    return parts;
  }
  if (typeof predicate.contains === 'string') {
    return [
      { index: 'by-word', prefix: [name, indexedString(predicate.contains.toLowerCase())] },
      { index: 'by-attribute', prefix: [name, indexedString(predicate.contains)] },
      { index: 'by-unindexed', prefix: [name] },
    ];
  }
  if (predicate.exists === true) return [{ index: 'by-presence', prefix: [name] }];
  return undefined;
}

/** The ranges holding every row whose attribute `valueMatches` the wanted value. */
function valueParts(name: string, wanted: SearchAttributePredicate): Part[] {
  const unindexed: Part = { index: 'by-unindexed', prefix: [name] };
  const scalar = indexedScalar(wanted as never);
  if (scalar !== undefined) return [{ index: 'by-attribute', prefix: [name, scalar] }, unindexed];
  if (Array.isArray(wanted)) {
    // Only an equal list matches: it holds the first element, or is empty (and present).
    if (wanted.length === 0) return [{ index: 'by-presence', prefix: [name] }];
    const first = indexedScalar(wanted[0]);
    if (first !== undefined) return [{ index: 'by-attribute', prefix: [name, first] }, unindexed];
  }
  return [unindexed];
}

function dedupeParts(parts: Part[]): Part[] {
  const seen = new Map<string, Part>();
  for (const part of parts) seen.set(JSON.stringify([part.index, ...part.prefix]), part);
  return [...seen.values()];
}

/** A scan of rows by value: the candidates, or `undefined` when there are more than `budget`. */
type RangeScan = (dbs: Databases, budget: number) => Candidate[] | undefined;

function rangeScansOf(filter: NormalizedFilter): RangeScan[] {
  const scans: RangeScan[] = [];
  if (filter.startedAfter !== undefined || filter.startedBefore !== undefined) {
    scans.push(timeScan('by-start', filter.startedAfter, filter.startedBefore));
  }
  if (filter.closedAfter !== undefined || filter.closedBefore !== undefined) {
    scans.push(timeScan('by-close', filter.closedAfter, filter.closedBefore));
  }
  for (const [name, predicate] of filter.searchAttributes) {
    if (!isOperatorObject(predicate)) continue;
    const scan = attributeRangeScan(name, predicate);
    if (scan) scans.push(scan);
  }
  return scans;
}

function timeScan(index: 'by-start' | 'by-close', after?: number, before?: number): RangeScan {
  return (dbs, budget) => {
    const found: Candidate[] = [];
    for (const key of dbs.indexes[index].getKeys(after === undefined ? {} : { start: [after + 0] })) {
      const parts = key as KeyPart[];
      if (before !== undefined && (parts[0] as number) >= before) break;
      if (found.length >= budget) return undefined;
      found.push(candidateOf(index, parts));
    }
    return found;
  };
}

function attributeRangeScan(name: string, predicate: PredicateOperators): RangeScan | undefined {
  const lower = [predicate.gt, predicate.gte].filter((bound) => bound !== undefined);
  const upper = [predicate.lt, predicate.lte].filter((bound) => bound !== undefined);
  const prefix = predicate.prefix;
  const bounds = [...lower, ...upper, ...(prefix === undefined ? [] : [prefix])];
  if (bounds.length === 0) return undefined;
  const kind = typeof bounds[0];
  if ((kind !== 'number' && kind !== 'string') || bounds.some((bound) => typeof bound !== kind)) {
    return undefined;
  }
  const key = indexedName(name);
  const cut = (text: string) =>
    text.length > INDEXED_VALUE_UNITS ? text.slice(0, INDEXED_VALUE_UNITS) : text;
  const ascending = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  const maxOf = (values: readonly (string | number)[]) => [...values].sort(ascending).at(-1);
  const minOf = (values: readonly (string | number)[]) => [...values].sort(ascending)[0];
  const lows = prefix === undefined ? lower : [...lower, prefix];
  const low = lows.length > 0 ? maxOf(lows) : undefined;
  const high = upper.length > 0 ? minOf(upper) : undefined;
  const start: KeyPart =
    kind === 'number'
      ? ((low as number | undefined) ?? Number.NEGATIVE_INFINITY) + 0
      : toKeyText(cut((low as string | undefined) ?? ''));
  const stringPrefix = prefix === undefined ? undefined : cut(prefix);
  return (dbs, budget) => {
    const found: Candidate[] = [];
    for (const raw of dbs.indexes['by-attribute'].getKeys({ start: asKey([key, start]) })) {
      const parts = raw as KeyPart[];
      const value = parts[1];
      if (parts[0] !== key || typeof value !== kind) break;
      if (kind === 'number') {
        if (high !== undefined && (value as number) > (high as number)) break;
      } else {
        const text = fromKeyText(value as string);
        if (high !== undefined && text > cut(high as string)) break;
        if (stringPrefix !== undefined && !text.startsWith(stringPrefix)) break;
      }
      if (found.length >= budget) return undefined;
      found.push(candidateOf('by-attribute', parts));
    }
    for (const raw of dbs.indexes['by-unindexed'].getKeys({ start: [key], end: [key, AFTER_ALL] })) {
      if (found.length >= budget) return undefined;
      found.push(candidateOf('by-unindexed', raw as KeyPart[]));
    }
    return dedupeCandidates(found);
  };
}

function dedupeCandidates(candidates: Candidate[]): Candidate[] {
  const seen = new Set<string>();
  return candidates.filter((candidate) => {
    if (seen.has(candidate.tid)) return false;
    seen.add(candidate.tid);
    return true;
  });
}

const LIST: Part = { index: 'list', prefix: [] };

/**
 * The `by-status-type` ranges of the rows with one of `statuses` and one of `types` (their
 * indexed forms); a missing list is every value: the types present under each status, or every
 * status. `undefined` when both are missing.
 */
function statusTypeParts(
  dbs: Databases,
  statuses: readonly string[] | undefined,
  types: readonly string[] | undefined,
): Part[] | undefined {
  if (!statuses && !types) return undefined;
  return (statuses ?? WORKFLOW_STATUSES).flatMap((status) =>
    (types ?? typesWithStatus(dbs, status)).map((type) => ({
      index: 'by-status-type' as const,
      prefix: [status, type],
    })),
  );
}

/**
 * The workflow types of the rows with `status`, in key order, found by a skip-scan of its
 * `by-status-type` range: a seek to the first key, its type read, a seek past that type's keys.
 */
function typesWithStatus(dbs: Databases, status: string): string[] {
  const view = dbs.indexes['by-status-type'];
  const types: string[] = [];
  let start: KeyPart[] = [status];
  for (;;) {
    let type: string | undefined;
    for (const key of view.getKeys({ start: asKey(start), limit: 1 })) {
      const parts = key as KeyPart[];
      if (parts[0] === status) type = parts[1] as string;
    }
    if (type === undefined) return types;
    types.push(type);
    start = [status, type, AFTER_ALL];
  }
}

/** Each stream with its keys counted up to `cap` (an estimate of `cap` means at least `cap`). */
function estimateStreams(dbs: Databases, streams: readonly (readonly Part[])[], cap: number): Stream[] {
  return streams.map((parts) => {
    let estimate = 0;
    for (const part of parts) {
      estimate += rangeCount(dbs, part, cap - estimate);
      if (estimate >= cap) break;
    }
    return { parts, estimate };
  });
}

/**
 * How many keys an index has under `part.prefix`, counted by lmdb-js in native code (about 25 ns
 * a key), exactly or, given a `cap`, up to it: `cap` then means at least `cap`. lmdb-js counts
 * a whole range whatever its `limit`; its `offset` is walked natively though (past the range's
 * end too), so whether the range has an `n`th key costs `n` steps: a small range is found small
 * by a short probe, and only a larger one is probed at `cap`.
 */
function rangeCount(dbs: Databases, part: Part, cap = Number.POSITIVE_INFINITY): number {
  const db = dbs.indexes[part.index];
  // An empty prefix is the whole index (its tag's range in the index database).
  const range =
    part.prefix.length === 0 ? {} : { start: asKey(part.prefix), end: asKey([...part.prefix, AFTER_ALL]) };
  const hasAtLeast = (keys: number) => {
    for (const _ of db.getKeys({ ...range, offset: keys - 1, limit: 1 })) return true;
    return false;
  };
  if (Number.isFinite(cap) && (cap <= PLAN_COUNT_PROBE || hasAtLeast(PLAN_COUNT_PROBE))) {
    if (hasAtLeast(cap)) return cap;
  }
  return db.getKeysCount(range);
}

/** `count` answered by counting index keys alone, when the filter is only statuses and types. */
function countFromIndexes(source: RowSource, filter: NormalizedFilter): number | undefined {
  if (
    filter.after ||
    filter.buildIds !== undefined ||
    filter.searchAttributes.length > 0 ||
    filter.startedAfter !== undefined ||
    filter.startedBefore !== undefined ||
    filter.closedAfter !== undefined ||
    filter.closedBefore !== undefined
  ) {
    return undefined;
  }
  const types = filter.workflowTypes && [...filter.workflowTypes];
  if (types?.some((type) => type.length > INDEXED_VALUE_UNITS)) return undefined;
  const statuses = filter.statuses && [...filter.statuses];
  if (statuses && !types)
    return statuses.reduce((total, status) => total + statusCount(source.dbs, status), 0);
  const parts = statusTypeParts(source.dbs, statuses, types && [...new Set(types.map(toKeyText))]);
  if (!parts) return rangeCount(source.dbs, LIST);
  return parts.reduce((total, part) => total + rangeCount(source.dbs, part), 0);
}

/**
 * How many rows have `status`: the keys of its whole `by-status-type` range, counted in one
 * native call rather than type by type. The parts of a key are separated by a NUL byte, and a
 * string part holds none (`key-text.ts`), so every key `[status, ...]` sorts below
 * `[status + U+0001]` (and statuses are plain words: none is another one followed by U+0001).
 */
function statusCount(dbs: Databases, status: string): number {
  return dbs.indexes['by-status-type'].getKeysCount({ start: [status], end: [`${status}\u0001`] });
}
