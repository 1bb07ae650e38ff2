import type { JsonValue } from '@reprise/core';
import { jsonEqual, textTokens } from '@reprise/core/internal';
import type { Key } from 'lmdb';
import { toKeyTextCut } from './key-text.js';
import {
  asKey,
  INDEXED_NAME_UNITS,
  INDEXED_VALUE_UNITS,
  type IndexName,
  type KeyPart,
  MAX_INDEXED_ELEMENTS,
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
  const entries = fixedEntries(summary);
  // The fixed entries are distinct by construction, and in other indexes than attributes'.
  return Object.keys(summary.searchAttributes).length === 0
    ? entries
    : [...entries, ...attributeEntriesOf(summary)];
}

/** The entries every row has (`by-close` once closed), in the order `diffEntries` pairs them. */
function fixedEntries(summary: StoredSummary): IndexEntry[] {
  const type = indexedString(summary.workflowType);
  const entries: IndexEntry[] = [
    { index: 'list', value: [] },
    { index: 'by-status', value: [summary.status] },
    { index: 'by-type', value: [type] },
    { index: 'by-status-type', value: [summary.status, type] },
    { index: 'by-start', value: [summary.startedAt] },
  ];
  if (summary.closedAt !== undefined) entries.push({ index: 'by-close', value: [summary.closedAt] });
  return entries;
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

/** The entries to remove and to add when a row changes from `before` to `after`. */
export function diffEntries(
  before: StoredSummary | null,
  after: StoredSummary | null,
): { removed: IndexEntry[]; added: IndexEntry[] } {
  // A row that appears, goes, or moves in list order changes every entry's key.
  if (!before || !after || before.createdAt !== after.createdAt) {
    return { removed: before ? indexEntriesOf(before) : [], added: after ? indexEntriesOf(after) : [] };
  }
  const removed: IndexEntry[] = [];
  const added: IndexEntry[] = [];
  // The fixed entries pair up by position (only `by-close` may be missing on one side).
  const old = fixedEntries(before);
  const next = fixedEntries(after);
  for (let i = 0; i < Math.max(old.length, next.length); i++) {
    const was = old[i];
    const is = next[i];
    if (was && is && sameValue(was, is)) continue;
    if (was) removed.push(was);
    if (is) added.push(is);
  }
  // A close leaves the attributes alone: they are compared only when they changed.
  if (
    before.searchAttributes !== after.searchAttributes &&
    !jsonEqual(before.searchAttributes, after.searchAttributes)
  ) {
    const oldAttributes = new Map(attributeEntriesOf(before).map((entry) => [entryId(entry), entry]));
    const nextAttributes = new Map(attributeEntriesOf(after).map((entry) => [entryId(entry), entry]));
    for (const [id, entry] of oldAttributes) if (!nextAttributes.has(id)) removed.push(entry);
    for (const [id, entry] of nextAttributes) if (!oldAttributes.has(id)) added.push(entry);
  }
  return { removed, added };
}

const sameValue = (a: IndexEntry, b: IndexEntry): boolean =>
  a.value.length === b.value.length && a.value.every((part, i) => part === b.value[i]);
