import { EMPTY_PROJECTION, projectEvents, StoreCorruption, type WorkflowEvent } from '@reprise/core';
import type { Database, Key, RootDatabase } from 'lmdb';
import { storedRecord } from './append-plan.js';
import { checkStoredEvent, decodeFrame, encodeChunk, encodeFrame, frameBody } from './frame.js';
import { fromKeyText } from './key-text.js';
import {
  AFTER_ALL,
  asFrameWriter,
  describeKey,
  EARLIER_INDEX_TAGS,
  EMPTY,
  FORMAT_NAME,
  FORMAT_VERSION,
  INDEX_NAMES,
  INDEX_TAGS,
  IndexView,
  type KeyPart,
  recordKey,
} from './layout.js';

/**
 * Migration of a format-4, 5, 6 or 7 store to this format (8), in place, in one write
 * transaction: a crash or a failure leaves the old format whole (LMDB commits all of it or
 * nothing), and the next open migrates again.
 *
 * - Format 7 is format 8 but for what a chunk's events may be: format 8 writes them packed
 *   (MessagePack) when they read back as their JSON text would, and reads both forms. Format 7's
 *   code would misread a packed chunk, hence the new version: only the format record changes.
 * - Format 6 is format 7 with three more kinds of index entries, which format 7 answers from
 *   `by-status-type`: the active set (tag `a`), `by-status` (`s`) and `by-type` (`t`), and with
 *   the workflow records in a database of their own, `workflows` (key `tid`). Those index keys
 *   are removed, and each record moves, as it is, into `history` under `[tid, RECORD_SEQ]`.
 * - Format 5 is format 6 but for what a chunk may carry: format 6 writes an open run's backlog in
 *   the chunk of an append that does not write the record (`frame.ts`). Format 5's chunks carry
 *   none and its records hold their row's backlog as of the last append, which is what format 6
 *   reads from a last chunk without one: only the format record changes. Format 5's code would
 *   misread format 6's chunks, hence the new version. Then as format 6.
 *
 * A format-4 store becomes format 5's layout first, in the same transaction:
 * - Histories: format 4 kept one event per key `[tid, seq]`; each history becomes chunks of at
 *   most {@link MIGRATED_CHUNK_EVENTS} events under `[tid, firstSeq]` (format 4 did not keep
 *   which events were appended together, and any cut is a valid history). Each event's checksum
 *   and its seq are checked first: a damaged event stops the migration with `StoreCorruption`
 *   naming it, and nothing is written.
 * - Indexes: format 4 kept each index, the active set and the timer index in a database of its
 *   own; each key of those format 7 keeps goes into `index` under its tag, and every old
 *   database is dropped.
 * - Workflow records: each is written again as the projection of its history, since this
 *   code's projection derives more than format 4's did (an open run's backlog, which tells
 *   recovery whether it must replay the run); the format record says 5 at the end.
 */

/** The most events a migrated chunk holds. */
export const MIGRATED_CHUNK_EVENTS = 100;

/** The formats this module migrates from. */
export const MIGRATES_FROM: readonly number[] = [4, 5, 6, 7];

/** The format whose layout (chunks, one `index` database) format 4 is rewritten in. */
const CHUNKED_FROM = 5;

/** The first format with the records in `history` and no active set, `by-status` or `by-type`. */
const RECORDS_IN_HISTORY_FROM = 7;

/** What migrating a format-7 store moves: nothing but its format record changes. */
const NOTHING_MOVED = { workflows: 0, events: 0, indexEntries: 0, indexEntriesRemoved: 0, recordsMoved: 0 };

/** What a migration did. */
export interface MigrationReport {
  readonly from: number;
  readonly to: number;
  /** Workflows whose history was rewritten as chunks. */
  readonly workflows: number;
  /** Events moved into chunks. */
  readonly events: number;
  /** Index entries moved into `index` (timers included). */
  readonly indexEntries: number;
  /** Index entries removed: the kinds format 7 no longer keeps. */
  readonly indexEntriesRemoved: number;
  /** Workflow records moved from `workflows` into `history`. */
  readonly recordsMoved: number;
}

/** The database of the workflow records up to format 6. */
const RECORDS = 'workflows';

/** The databases of format 4 that are folded into `index`, with their tags. */
const FOLDED = ['timers', ...INDEX_NAMES] as const;

/** The databases of format 4 whose entries format 7 no longer keeps: dropped, not folded. */
const DROPPED = Object.keys(EARLIER_INDEX_TAGS) as (keyof typeof EARLIER_INDEX_TAGS)[];

/**
 * Migrates the format-4, 5, 6 or 7 store whose environment is `root` (open for writing) to this
 * format; `undefined` when another process migrated it first (the format record is checked
 * inside the transaction, which LMDB serialises across processes).
 */
export function migrateInPlace(root: RootDatabase<Buffer, Key>): MigrationReport | undefined {
  const meta = root.openDB<string, Key>('meta', { encoding: 'string' });
  const history = root.openDB<string, Key>('history', { encoding: 'string' });
  const index = root.openDB<Buffer, Key>('index', { encoding: 'binary' });
  // The databases of earlier formats, those there are (opening one that is not would create it).
  const names = new Set([...root.getKeys({})].map(String));
  const records = names.has(RECORDS) ? root.openDB<string, Key>(RECORDS, { encoding: 'string' }) : undefined;
  const folded = FOLDED.filter((name) => names.has(name)).map(
    (name) => [name, root.openDB<Buffer, Key>(name, { encoding: 'binary' })] as const,
  );
  const dropped = DROPPED.filter((name) => names.has(name)).map((name) =>
    root.openDB<Buffer, Key>(name, { encoding: 'binary' }),
  );
  return root.transactionSync(() => {
    const version = (
      decodeFrame(meta.get('format') ?? '', () => describeKey('meta', 'format')) as {
        version?: unknown;
      }
    ).version;
    if (version === FORMAT_VERSION) return undefined;
    if (typeof version !== 'number' || !MIGRATES_FROM.includes(version))
      throw new Error(`not a format ${MIGRATES_FROM.join(' or ')} store (found ${String(version)})`);
    let report: Omit<MigrationReport, 'from' | 'to'> = NOTHING_MOVED;
    if (version < RECORDS_IN_HISTORY_FROM) {
      if (!records) throw new Error(`a format ${version} store without its ${RECORDS} database`);
      const layout =
        version < CHUNKED_FROM
          ? chunkedLayout(history, records, index, folded, dropped)
          : { workflows: 0, events: 0, indexEntries: 0 };
      const indexEntriesRemoved = removeEarlierEntries(index);
      report = { ...layout, indexEntriesRemoved, recordsMoved: moveRecords(records, history) };
    }
    asFrameWriter(meta).putSync(
      'format',
      encodeFrame(JSON.stringify({ format: FORMAT_NAME, version: FORMAT_VERSION })),
    );
    return { from: version, to: FORMAT_VERSION, ...report };
  });
}

/**
 * Format 4 to format 5's layout, inside the caller's transaction: histories into chunks, records
 * as the projections of their histories, index databases folded into `index` (those of the kinds
 * format 7 no longer keeps dropped).
 */
function chunkedLayout(
  history: Database<string, Key>,
  records: Database<string, Key>,
  index: Database<Buffer, Key>,
  folded: readonly (readonly [(typeof FOLDED)[number], Database<Buffer, Key>])[],
  dropped: readonly Database<Buffer, Key>[],
): Pick<MigrationReport, 'workflows' | 'events' | 'indexEntries'> {
  let workflows = 0;
  let events = 0;
  for (const tid of distinctWorkflows(history)) {
    workflows++;
    events += chunkHistory(history, records, tid);
  }
  let indexEntries = 0;
  for (const [name, db] of folded) {
    const tag = INDEX_TAGS[name];
    for (const key of db.getKeys({})) {
      const parts = Array.isArray(key) ? (key as KeyPart[]) : [key as KeyPart];
      index.putSync([tag, ...parts] as unknown as Key, EMPTY);
      indexEntries++;
    }
    db.dropSync();
  }
  for (const db of dropped) db.dropSync();
  return { workflows, events, indexEntries };
}

/**
 * Moves, inside the caller's transaction, every record of format 6's `workflows` (key `tid`) into
 * `history` under `[tid, RECORD_SEQ]`, as it is (the frame does not change), and drops
 * `workflows`; returns how many records it moved.
 */
function moveRecords(records: Database<string, Key>, history: Database<string, Key>): number {
  let moved = 0;
  for (const { key, value } of records.getRange({})) {
    history.putSync(recordKey(key as string), value);
    moved++;
  }
  records.dropSync();
  return moved;
}

/**
 * Removes, inside the caller's transaction, every entry of the kinds format 7 no longer keeps
 * (`EARLIER_INDEX_TAGS`), and returns how many there were.
 */
function removeEarlierEntries(index: Database<Buffer, Key>): number {
  let removed = 0;
  for (const tag of Object.values(EARLIER_INDEX_TAGS)) {
    const entries = new IndexView(index, tag);
    // Collected first: the range is not walked while it changes.
    const keys = [...entries.getKeys()];
    for (const key of keys) entries.remove(key);
    removed += keys.length;
  }
  return removed;
}

/** The key forms of the workflows with a history, each once, in key order. */
function distinctWorkflows(history: Database<string, Key>): string[] {
  const tids: string[] = [];
  let last: string | undefined;
  for (const key of history.getKeys({})) {
    const tid = (key as KeyPart[])[0] as string;
    if (tid !== last) tids.push(tid);
    last = tid;
  }
  return tids;
}

/**
 * Rewrites one format-4 history (an event per key) as chunks, and its workflow record as the
 * projection of that history; returns its number of events.
 */
function chunkHistory(history: Database<string, Key>, records: Database<string, Key>, tid: string): number {
  const workflowId = fromKeyText(tid);
  const parsed: WorkflowEvent[] = [];
  const texts: string[] = [];
  const keys: Key[] = [];
  for (const { key, value } of history.getRange({ start: [tid, 1], end: [tid, AFTER_ALL] })) {
    const seq = (key as KeyPart[])[1] as number;
    const where = () => describeKey('history', [workflowId, seq]);
    if (seq !== texts.length + 1) {
      throw new StoreCorruption(
        describeKey('history', [workflowId, texts.length + 1]),
        'missing; cannot migrate',
      );
    }
    const body = frameBody(value, where);
    let event: unknown;
    try {
      event = JSON.parse(body);
    } catch (error) {
      throw new StoreCorruption(where(), 'value is not JSON', { cause: error });
    }
    parsed.push(checkStoredEvent(event, workflowId, seq));
    texts.push(body);
    keys.push(key);
  }
  for (const key of keys) history.removeSync(key);
  for (let first = 0; first < texts.length; first += MIGRATED_CHUNK_EVENTS) {
    const chunk = texts.slice(first, first + MIGRATED_CHUNK_EVENTS);
    asFrameWriter(history).putSync([tid, first + 1], encodeChunk(first + chunk.length, chunk));
  }
  const record = storedRecord(projectEvents(EMPTY_PROJECTION, parsed), texts.length);
  asFrameWriter(records).putSync(tid, encodeFrame(JSON.stringify(record)));
  return texts.length;
}
