import type { JsonValue } from '@reprise/core';
import { jsonEqual, textTokens } from '@reprise/core/internal';
import type { Key } from 'lmdb';
import { toKeyTextCut } from './key-text.js';
import {
  asKey,
  EMPTY,
  INDEX_TAGS,
  INDEXED_NAME_UNITS,
  INDEXED_VALUE_UNITS,
  type IndexName,
  type KeyPart,
  MAX_INDEXED_ELEMENTS,
  negated,
  type StoredSummary,
} from './layout.js';

/** One entry a visibility row puts in an index: `[...value, negCreatedAt, tid]`. */
export interface IndexEntry {
  readonly index: IndexName;
  /** The parts before the list position: the key range of the rows with this value. */
  readonly value: readonly KeyPart[];
}

/** The key of an index entry. */
export const entryKey = (entry: IndexEntry, negCreatedAt: number, tid: string): Key =>
  asKey([...entry.value, negCreatedAt, tid]);

/** An attribute name as index keys hold it. */
export const indexedName = (name: string): string => toKeyTextCut(name, INDEXED_NAME_UNITS);

/** A string (type, value, word) as index keys hold it. */
export const indexedString = (text: string): string => toKeyTextCut(text, INDEXED_VALUE_UNITS);

/** A scalar attribute value as `by-attribute` holds it; `undefined` for objects and lists. */
export function indexedScalar(value: JsonValue): KeyPart | undefined {
  if (value === null || typeof value === 'boolean') return value;
  // + 0 turns -0 (which ordered-binary keys do not round-trip) into 0.
  if (typeof value === 'number') return value + 0;
  if (typeof value === 'string') return indexedString(value);
  return undefined;
}

/** Every index entry of a visibility row (the `list` entry included). */
export function indexEntriesOf(summary: StoredSummary): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const fixed of FIXED_INDEXES) {
    if (hasEntry(fixed, summary)) {
      entries.push({ index: fixed.index, value: fixed.fields.map((field) => fieldPart(summary, field)) });
    }
  }
  // The fixed entries are distinct by construction, and in other indexes than attributes'.
  return Object.keys(summary.searchAttributes).length === 0
    ? entries
    : [...entries, ...attributeEntriesOf(summary)];
}

/** A field of a row that a fixed index holds. */
type FixedField = 'status' | 'workflowType' | 'startedAt' | 'closedAt';

/** An index every row has an entry in (`by-close` once closed), and the fields its key holds. */
interface FixedIndex {
  readonly index: IndexName;
  readonly tag: string;
  /** The row's fields its key holds before the list position; a row has an entry when all are set. */
  readonly fields: readonly FixedField[];
}

const fixedIndex = (index: IndexName, fields: readonly FixedField[]): FixedIndex => ({
  index,
  tag: INDEX_TAGS[index],
  fields,
});

const FIXED_INDEXES: readonly FixedIndex[] = [
  fixedIndex('list', []),
  fixedIndex('by-status-type', ['status', 'workflowType']),
  fixedIndex('by-start', ['startedAt']),
  fixedIndex('by-close', ['closedAt']),
];

/** A row's field as a fixed index's key holds it. */
const fieldPart = (row: StoredSummary, field: FixedField): KeyPart =>
  field === 'workflowType' ? indexedString(row.workflowType) : (row[field] as KeyPart);

// Indexed loops on the append path: an array iterator per loop would be garbage per append.
function hasEntry(fixed: FixedIndex, row: StoredSummary): boolean {
  const { fields } = fixed;
  for (let index = 0; index < fields.length; index++) {
    if (row[fields[index] as FixedField] === undefined) return false;
  }
  return true;
}

function samePartsIn(fixed: FixedIndex, a: StoredSummary, b: StoredSummary): boolean {
  const { fields } = fixed;
  for (let index = 0; index < fields.length; index++) {
    const field = fields[index] as FixedField;
    if (fieldPart(a, field) !== fieldPart(b, field)) return false;
  }
  return true;
}

/**
 * The key of a row's entry in a fixed index as the `index` database holds it (tag first), built
 * as one array: a start and a close write several, and every array they make outlives a
 * scavenge while the append waits for its commit.
 */
function fixedKey(fixed: FixedIndex, row: StoredSummary, tid: string): Key {
  const { fields } = fixed;
  const key: KeyPart[] = new Array(fields.length + 3);
  key[0] = fixed.tag;
  for (let index = 0; index < fields.length; index++)
    key[index + 1] = fieldPart(row, fields[index] as FixedField);
  key[fields.length + 1] = negated(row.createdAt);
  key[fields.length + 2] = tid;
  return asKey(key);
}

/** The key of an index entry as the `index` database holds it (tag first). */
function taggedKey(entry: IndexEntry, negCreatedAt: number, tid: string): Key {
  const { value } = entry;
  const key: KeyPart[] = new Array(value.length + 3);
  key[0] = INDEX_TAGS[entry.index];
  for (let index = 0; index < value.length; index++) key[index + 1] = value[index] as KeyPart;
  key[value.length + 1] = negCreatedAt;
  key[value.length + 2] = tid;
  return asKey(key);
}

/** The writes of the `index` database an append makes (queued in its batch, or applied in a transaction). */
export interface IndexWrites {
  put(key: Key, value: Buffer): unknown;
  remove(key: Key): unknown;
}

/**
 * Writes the index changes of a row going from `before` to `after` (`undefined`: no row) into
 * the `index` database: the entries `before` has and `after` has not are removed, those `after`
 * has and `before` has not are put, and entries both have are left alone.
 */
export function writeIndexChanges(
  index: IndexWrites,
  tid: string,
  before: StoredSummary | undefined,
  after: StoredSummary | undefined,
): void {
  // A row that appears, goes, or moves in list order changes every entry's key.
  const moved = before === undefined || after === undefined || before.createdAt !== after.createdAt;
  for (let at = 0; at < FIXED_INDEXES.length; at++) {
    const fixed = FIXED_INDEXES[at] as FixedIndex;
    const was = before !== undefined && hasEntry(fixed, before);
    const is = after !== undefined && hasEntry(fixed, after);
    if (was && is && !moved && samePartsIn(fixed, before, after)) continue;
    if (was) index.remove(fixedKey(fixed, before, tid));
    if (is) index.put(fixedKey(fixed, after, tid), EMPTY);
  }
  // A close leaves the attributes alone: they are compared only when they changed.
  if (
    !moved &&
    (before.searchAttributes === after.searchAttributes ||
      jsonEqual(before.searchAttributes, after.searchAttributes))
  ) {
    return;
  }
  const old = before ? attributeEntriesById(before) : EMPTY_ENTRIES;
  const next = after ? attributeEntriesById(after) : EMPTY_ENTRIES;
  if (old.size === 0 && next.size === 0) return;
  for (const [id, entry] of old) {
    if (moved || !next.has(id))
      index.remove(taggedKey(entry, negated((before as StoredSummary).createdAt), tid));
  }
  for (const [id, entry] of next) {
    if (moved || !old.has(id))
      index.put(taggedKey(entry, negated((after as StoredSummary).createdAt), tid), EMPTY);
  }
}

const EMPTY_ENTRIES: ReadonlyMap<string, IndexEntry> = new Map();

/** A row's attribute entries by their identity (`entryId`). */
function attributeEntriesById(row: StoredSummary): ReadonlyMap<string, IndexEntry> {
  if (Object.keys(row.searchAttributes).length === 0) return EMPTY_ENTRIES;
  return new Map(attributeEntriesOf(row).map((entry) => [entryId(entry), entry]));
}

/** The entries of a row's search attributes, each once. */
function attributeEntriesOf(summary: StoredSummary): IndexEntry[] {
  const entries: IndexEntry[] = [];
  for (const [name, value] of Object.entries(summary.searchAttributes)) {
    attributeEntries(indexedName(name), value, entries);
  }
  return dedupe(entries);
}

function attributeEntries(name: string, value: JsonValue, entries: IndexEntry[]): void {
  if (value !== null) entries.push({ index: 'by-presence', value: [name] });
  const scalar = indexedScalar(value);
  if (scalar !== undefined) {
    entries.push({ index: 'by-attribute', value: [name, scalar] });
    if (typeof value === 'string') {
      const words = [...new Set(textTokens(value))];
      if (words.length > MAX_INDEXED_ELEMENTS) entries.push({ index: 'by-unindexed', value: [name] });
      else for (const word of words) entries.push({ index: 'by-word', value: [name, indexedString(word)] });
    }
    return;
  }
  if (Array.isArray(value) && value.length <= MAX_INDEXED_ELEMENTS) {
    const scalars = value.map(indexedScalar);
    if (scalars.every((part) => part !== undefined)) {
      for (const part of scalars) entries.push({ index: 'by-attribute', value: [name, part as KeyPart] });
      return;
    }
  }
  entries.push({ index: 'by-unindexed', value: [name] });
}

const entryId = (entry: IndexEntry): string => JSON.stringify([entry.index, ...entry.value]);

function dedupe(entries: IndexEntry[]): IndexEntry[] {
  const seen = new Map<string, IndexEntry>();
  for (const entry of entries) seen.set(entryId(entry), entry);
  return [...seen.values()];
}

/** Whether two rows have the same index entries (everything but `historyLength` and the like). */
export function sameIndexedFields(a: StoredSummary, b: StoredSummary): boolean {
  return (
    a.createdAt === b.createdAt &&
    a.status === b.status &&
    a.workflowType === b.workflowType &&
    a.startedAt === b.startedAt &&
    a.closedAt === b.closedAt &&
    (a.searchAttributes === b.searchAttributes || jsonEqual(a.searchAttributes, b.searchAttributes))
  );
}
