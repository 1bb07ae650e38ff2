import type { WorkflowSummary } from '@reprise/core';
import type { Database, Key, RootDatabase } from 'lmdb';

/**
 * The store's layout: one LMDB environment (a directory holding `data.mdb` and `lock.mdb`) with
 * these named databases. Every string in a key is in key form (`toKeyText`); `tid` below is a
 * workflow id in key form, `negCreatedAt` is `0 - createdAt`, so ascending key order is list
 * order (newest workflow first, then by id).
 *
 * | database | key | value |
 * |---|---|---|
 * | `meta` | `'format'` | the format record |
 * | `history` | `[tid, 0]` | the workflow record: summary without `historyLength` (its backlog as of its `head`), pending timers (frame) |
 * | `history` | `[tid, firstSeq]` | a chunk (`firstSeq` from 1): the events of one append (frame: last seq, the open run's backlog when it is not the record's (the record is not written with it and the backlog moved since), then the events) |
 * | `index` | `[tag, ...key]` | empty: every index entry, each kind under its tag (`INDEX_TAGS`) |
 *
 * The kinds of index entries (each read through an {@link IndexView}, as if a database of its
 * own), by key after the tag:
 *
 * | kind | key | meaning |
 * |---|---|---|
 * | `timers` | `[fireAt, tid, timerId]` | a pending timer of an open run |
 * | `list` | `[negCreatedAt, tid]` | one entry per visibility row |
 * | `by-status-type` | `[status, workflowType, negCreatedAt, tid]` | also the rows of one status (`[status]`), and so the open runs (`['Running']`), and of one type (`[status, workflowType]` over the statuses) |
 * | `by-start` | `[startedAt, negCreatedAt, tid]` | |
 * | `by-close` | `[closedAt, negCreatedAt, tid]` | closed rows only |
 * | `by-attribute` | `[name, value, negCreatedAt, tid]` | a scalar attribute, or one element of a list |
 * | `by-word` | `[name, word, negCreatedAt, tid]` | a word of a string attribute |
 * | `by-presence` | `[name, negCreatedAt, tid]` | the attribute is set and not null |
 * | `by-unindexed` | `[name, negCreatedAt, tid]` | a value the indexes above do not cover |
 *
 * One database for all of them, so that a start or a close writes two databases (`history`,
 * `index`), each entry written only when the value it indexes changes. Every key a commit writes
 * lands in the leaf page of its range, and a synced commit pays for each page it dirties: so the
 * record is the first key of its workflow's history, in the leaf page of the chunk written with
 * it, and a start writes three index entries (`list`, `by-status-type`, `by-start`; timers and
 * attributes aside) and a close three writes (`by-status-type` out and in, `by-close`). There is
 * no active set, no `by-status` and no `by-type`: `by-status-type` answers for all three.
 *
 * Frames are a CRC-32 in hex + JSON text, or a chunk's header and its events packed (`frame.ts`). A workflow's last seq is not stored
 * anywhere but in its history: it is the last seq named by the chunk under the last key of
 * `[tid, *]` (`historyLength` of its row included; `history-chunks.ts`). The record holds only
 * what changes rarely, so most appends write one chunk and nothing else. A workflow's seqs only
 * grow, histories are never deleted, and every append's chunk starts right after the last seq it
 * was conditional on, so no chunk key `[tid, n + 1]` while the last seq `n` was committed means
 * the workflow is still at `n`: appends are conditional writes on that (`append-plan.ts`). Nothing is kept beside the indexes:
 * how many rows an index value has is a count of its key range (`visibility-query.ts`), so no
 * append reads anything to write.
 */

/**
 * The on-disk format this version reads and writes; a store with another one is refused rather
 * than misread. 8: a chunk's events may be packed (MessagePack) instead of JSON text (`frame.ts`);
 * chunks are read as bytes. 7: the record is in `history` under `[tid, 0]` (there is no `workflows` database),
 * and there are no active set, `by-status` or `by-type` entries (`by-status-type` answers for
 * them). 6: an append that does not write the workflow record writes the open run's
 * backlog in its chunk, and a row's backlog is the last chunk's when it carries one. 5: a history
 * is chunks, one per append, under `[tid, firstSeq]`, and every index is in one database under
 * its tag; its records held the backlog as of the last append. 4 kept one event per key `[tid, seq]` and a database per
 * index, and had no `counts` database (counts are key ranges of the indexes); format 3 kept a
 * count per index value, and its records, like 4's, held no last seq; format 2 kept the last seq
 * in the record and versioned the record by it; format 1 had no versions.
 */
export const FORMAT_VERSION = 8;

/** The named databases of this format. */
export const DATABASE_NAMES = ['meta', 'history', 'index'] as const;

/**
 * Databases that earlier formats had and this one has not: format 6's and earlier's `workflows`
 * (the records), format 4's one database per index, its active set and timer index; format 3's
 * `counts`.
 */
export const EARLIER_FORMAT_NAMES = [
  'workflows',
  'active',
  'timers',
  'list',
  'by-status',
  'by-type',
  'by-status-type',
  'by-start',
  'by-close',
  'by-attribute',
  'by-word',
  'by-presence',
  'by-unindexed',
  'counts',
] as const;

/** The name the format record carries, so a foreign LMDB environment is not mistaken for ours. */
export const FORMAT_NAME = 'reprise-lmdb-store';

/** The visibility indexes, each under its tag in the `index` database. */
export const INDEX_NAMES = [
  'list',
  'by-status-type',
  'by-start',
  'by-close',
  'by-attribute',
  'by-word',
  'by-presence',
  'by-unindexed',
] as const;

/** One of the visibility indexes. */
export type IndexName = (typeof INDEX_NAMES)[number];

/** A part of an array key. */
export type KeyPart = string | number | boolean | null;

/** An array key as lmdb-js types it (its ordered-binary encoding also takes `null`). */
export const asKey = (parts: readonly KeyPart[]): Key => parts as unknown as Key;

/** The open databases of one environment. */
export interface Databases {
  readonly root: RootDatabase<Buffer, Key>;
  readonly meta: Database<string, Key>;
  /** Each workflow's record under `[tid, RECORD_SEQ]`, then its chunks under `[tid, firstSeq]`. */
  readonly history: Database<string, Key>;
  /**
   * `history` read as bytes: a chunk may hold MessagePack (`frame.ts`), which reading it as text
   * would damage. Range reads of chunks go through it; every write goes through `history`.
   */
  readonly historyBytes: Database<Buffer, Key>;
  /** The one database of every index below, each under its tag (`INDEX_TAGS`). */
  readonly index: Database<Buffer, Key>;
  readonly timers: IndexView;
  readonly indexes: Readonly<Record<IndexName, IndexView>>;
}

/**
 * The tag that starts every key of each index in the `index` database: one character each, so
 * that the range of a tag ends where the next character's begins (`[tag, ...]` sorts below
 * `[next]`, whatever follows the tag).
 */
export const INDEX_TAGS: Readonly<Record<IndexName | 'timers', string>> = {
  'by-attribute': 'b',
  'by-close': 'c',
  list: 'l',
  'by-status-type': 'm',
  'by-presence': 'p',
  'by-start': 'r',
  'by-unindexed': 'u',
  'by-word': 'w',
  timers: 'x',
};

/** The tags of the entries format 6 and earlier wrote and format 7 does not. */
export const EARLIER_INDEX_TAGS: Readonly<Record<'active' | 'by-status' | 'by-type', string>> = {
  active: 'a',
  'by-status': 's',
  'by-type': 't',
};

/** A range as the index views take it: keys without their tag. */
export interface ViewRange {
  readonly start?: Key;
  readonly end?: Key;
  readonly limit?: number;
  readonly offset?: number;
}

/**
 * One index (or the timer index) inside the `index` database: keys (arrays of parts) go in and
 * come out without the tag, which the view adds and strips, so each reads as a database of its
 * own.
 */
export class IndexView {
  readonly #db: Database<Buffer, Key>;
  readonly #tag: string;
  readonly #end: Key;

  constructor(db: Database<Buffer, Key>, tag: string) {
    this.#db = db;
    this.#tag = tag;
    this.#end = [String.fromCharCode(tag.charCodeAt(0) + 1)];
  }

  #key(key: Key): Key {
    return asKey([this.#tag, ...(key as KeyPart[])]);
  }

  /** Queues (in a batch or a conditional block) or applies (in a transaction) a put of `key`. */
  put(key: Key, value: Buffer): Promise<boolean> {
    return this.#db.put(this.#key(key), value);
  }

  remove(key: Key): Promise<boolean> {
    return this.#db.remove(this.#key(key));
  }

  #range(range: ViewRange) {
    return {
      ...range,
      start: range.start === undefined ? [this.#tag] : this.#key(range.start),
      end: range.end === undefined ? this.#end : this.#key(range.end),
    };
  }

  /** The keys of a range, in key order, without the tag. */
  getKeys(range: ViewRange = {}): Iterable<Key> {
    return this.#db.getKeys(this.#range(range)).map((key) => (key as KeyPart[]).slice(1) as unknown as Key);
  }

  /** How many keys a range holds, counted by lmdb-js in native code. */
  getKeysCount(range: ViewRange = {}): number {
    return this.#db.getKeysCount(this.#range(range));
  }
}

/**
 * A database that holds frames, as written: values go in as the frame's UTF-8 bytes, which are
 * the bytes lmdb-js's string encoding stores, and come back as strings (see `frame.ts`).
 */
export const asFrameWriter = (db: Database<string, Key>): Database<Buffer, Key> =>
  db as unknown as Database<Buffer, Key>;

/** Opens every named database of the layout. */
export function openDatabases(root: RootDatabase<Buffer, Key>): Databases {
  const text = (name: string) => root.openDB<string, Key>(name, { encoding: 'string' });
  const index = root.openDB<Buffer, Key>('index', { encoding: 'binary' });
  const indexes = Object.fromEntries(
    INDEX_NAMES.map((name) => [name, new IndexView(index, INDEX_TAGS[name])]),
  ) as Record<IndexName, IndexView>;
  return {
    root,
    meta: text('meta'),
    history: text('history'),
    historyBytes: root.openDB<Buffer, Key>('history', { encoding: 'binary' }),
    index,
    timers: new IndexView(index, INDEX_TAGS.timers),
    indexes,
  };
}

/** How many named databases the environment must allow. */
export const MAX_DBS = 32;

/** The value of every index entry: presence is the information. */
export const EMPTY = Buffer.alloc(0);

/** The largest workflow id key, in UTF-8 bytes of its key form: core's one id rule's limit. */
export { MAX_WORKFLOW_ID_BYTES } from '@reprise/core';
/** The largest timer id, in UTF-8 bytes of its key form. */
export const MAX_TIMER_ID_BYTES = 500;
/** Index keys hold at most this many UTF-16 code units of an attribute name. */
export const INDEXED_NAME_UNITS = 64;
/** Index keys hold at most this many UTF-16 code units of a string value, type or word. */
export const INDEXED_VALUE_UNITS = 128;
/** A list or text attribute with more elements or words than this goes to `by-unindexed`. */
export const MAX_INDEXED_ELEMENTS = 64;

/** A visibility row as the workflow record keeps it: `historyLength` comes from the history. */
export type StoredSummary = Omit<WorkflowSummary, 'historyLength'>;

/**
 * The second part of the key of a workflow record in `history`: below every chunk's first seq,
 * so the record is the first key of its workflow's range, beside its first chunks.
 */
export const RECORD_SEQ = 0;

/** The key of the record of the workflow with key form `tid`. */
export const recordKey = (tid: string): Key => [tid, RECORD_SEQ];

/** How the record of a workflow is named in errors. */
export const describeRecord = (workflowId: string): string =>
  describeKey('history', [workflowId, RECORD_SEQ]);

/** What `history` holds under `[tid, RECORD_SEQ]`. */
export interface WorkflowRecord {
  /** `null` until the history has a WorkflowStarted (a schedule's history never does). */
  readonly summary: StoredSummary | null;
  /** Pending timers of the open run: `[timerId, fireAt]`. */
  readonly timers: readonly (readonly [string, number])[];
  /**
   * The workflow's last seq when the record was written (absent in records migrated from
   * format 4). The history is still there if no chunk starts right after it, so a row's
   * `historyLength` costs one key lookup (`history-chunks.ts`).
   */
  readonly head?: number;
}

/**
 * `0 - createdAt`: the list-order part of index keys. Never `-createdAt`, which is -0 for 0, and
 * ordered-binary does not round-trip -0.
 */
export const negated = (createdAt: number): number => 0 - createdAt;

/** The end of every key range that starts with `prefix` (numbers sort before strings). */
export const AFTER_ALL = Number.POSITIVE_INFINITY;

/** Above every seq (seqs are safe integers from 1). */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/** How a key is named in errors: the database, then the key as JSON. */
export const describeKey = (database: string, key: Key): string => `${database} ${JSON.stringify(key)}`;
