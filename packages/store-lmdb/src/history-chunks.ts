import { type RunBacklog, StoreCorruption, type WorkflowEvent, type WorkflowSummary } from '@reprise/core';
import type { Database, Key } from 'lmdb';
import { type ChunkBody, checkStoredEvent, chunkHeader, decodeChunk } from './frame.js';
import { fromKeyText } from './key-text.js';
import { AFTER_ALL, describeKey, type KeyPart, MAX_SEQ, type StoredSummary } from './layout.js';

/*
 * Where a history ends. A history is a run of chunks, one per append, under `[tid, firstSeq]`;
 * each chunk names its last seq in its header (`frame.ts`), so a workflow's last seq is the
 * header of the chunk under its last key.
 */

/**
 * The last seq of the workflow with key form `tid`, 0 when it has no history: the last seq its
 * last chunk's header names, read from the chunk's bytes in place (`getBinaryFast`), so it costs
 * one reverse key read and no decoded value (rows read in bulk by queries call it per row). Like
 * the keys it reads, the header is not checksummed here; a header that does not read is decoded
 * in full, which reports the damage. Inside a write transaction, what that transaction sees.
 */
export function headSeq(history: Database<string, Key>, tid: string): number {
  const firstSeq = lastChunkSeq(history, tid);
  if (firstSeq === 0) return 0;
  const bytes = history.getBinaryFast([tid, firstSeq]);
  const header = bytes === undefined ? undefined : chunkHeader(bytes);
  if (header !== undefined && header.lastSeq >= firstSeq) return header.lastSeq;
  return decodeLastChunk(history, tid, firstSeq).lastSeq;
}

/**
 * Where a history ends: its last seq, and the backlog of the open run there when the last chunk
 * carries one (an append that did not write the workflow record writes the run's backlog in its
 * chunk; its row's backlog is that one, not the record's).
 */
export interface HistoryTail {
  readonly lastSeq: number;
  readonly backlog: RunBacklog | undefined;
}

const NO_HISTORY: HistoryTail = { lastSeq: 0, backlog: undefined };

/**
 * A stored summary as the row it is at `tail`: `historyLength` from the history, and the open
 * run's backlog from the last chunk when it carries one. Completes `summary` in place (callers
 * pass one they just parsed or copied).
 */
export function rowAt(summary: StoredSummary, tail: HistoryTail): WorkflowSummary {
  const row = summary as Mutable<WorkflowSummary>;
  row.historyLength = tail.lastSeq;
  if (tail.backlog !== undefined && row.status === 'Running') row.backlog = tail.backlog;
  return row;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The tail of the workflow's history ({@link HistoryTail}). As {@link headSeq} when its last
 * chunk carries no backlog; when it does, that chunk is decoded (its checksum checked): the
 * backlog decides whether recovery replays the run.
 */
export function historyTail(history: Database<string, Key>, tid: string): HistoryTail {
  const firstSeq = lastChunkSeq(history, tid);
  if (firstSeq === 0) return NO_HISTORY;
  const bytes = history.getBinaryFast([tid, firstSeq]);
  const header = bytes === undefined ? undefined : chunkHeader(bytes);
  if (header !== undefined && header.lastSeq >= firstSeq && !header.backlog) {
    return { lastSeq: header.lastSeq, backlog: undefined };
  }
  const chunk = decodeLastChunk(history, tid, firstSeq);
  return { lastSeq: chunk.lastSeq, backlog: chunk.backlog };
}

function decodeLastChunk(history: Database<string, Key>, tid: string, firstSeq: number): ChunkBody {
  const where = () => describeKey('history', [fromKeyText(tid), firstSeq]);
  return decodeChunk(history.getBinary([tid, firstSeq]) ?? EMPTY_BYTES, firstSeq, where);
}

const EMPTY_BYTES = new Uint8Array(0);

/**
 * The tail of a workflow's history for rows read in bulk (queries, summaries): when its record
 * says the last seq was `recordHead` when it was written and no chunk starts right after it,
 * that is still the last seq (every later append's chunk would start there) and the record's
 * backlog is the row's: one key lookup, which leaves no garbage behind. Otherwise (appends
 * since, or a record without a head) {@link historyTail}, a reverse range read of one key: a
 * page of rows doing that left garbage that survived young-generation collections (query p99 5
 * to 9 ms instead of 1, measured in format 4).
 */
export function rowTail(history: Database<string, Key>, tid: string, recordHead?: number): HistoryTail {
  if (recordHead !== undefined && !history.doesExist([tid, recordHead + 1])) {
    return { lastSeq: recordHead, backlog: undefined };
  }
  return historyTail(history, tid);
}

/** The first seq of the workflow's last chunk (the last key of `[tid, *]`), 0 when it has none. */
export function lastChunkSeq(history: Database<string, Key>, tid: string): number {
  // A finite bound: with `Infinity` in the start key, a loop of these reads left garbage that
  // survived young-generation collections (scavenges of about 11 ms instead of 2, measured).
  for (const key of history.getKeys({ start: [tid, MAX_SEQ], end: [tid, 0], reverse: true, limit: 1 })) {
    return (key as KeyPart[])[1] as number;
  }
  return 0;
}

/**
 * The events of a history from `fromSeq` on, in seq order: from the chunk that holds `fromSeq`
 * (the last key at or before `[tid, fromSeq]`) to the last, read as bytes (`historyBytes`). Each
 * chunk must start where the one before it ended, and hold exactly the events its key and header
 * name; anything else is `StoreCorruption` naming the chunk (or the missing seq).
 */
export function readChunks(
  historyBytes: Database<Buffer, Key>,
  workflowId: string,
  tid: string,
  fromSeq: number,
): WorkflowEvent[] {
  let start = 1;
  if (fromSeq > 1) {
    for (const key of historyBytes.getKeys({
      start: [tid, fromSeq],
      end: [tid, 0],
      reverse: true,
      limit: 1,
    })) {
      start = (key as KeyPart[])[1] as number;
    }
  }
  const chunks: [firstSeq: number, lastSeq: number, events: string | unknown[]][] = [];
  let texts = true;
  let expected = start;
  for (const { key, value } of historyBytes.getRange({ start: [tid, start], end: [tid, AFTER_ALL] })) {
    const firstSeq = (key as KeyPart[])[1] as number;
    if (firstSeq !== expected) {
      throw new StoreCorruption(
        describeKey('history', [workflowId, expected]),
        `missing; the next chunk starts at seq ${firstSeq}`,
      );
    }
    const chunk = decodeChunk(value, firstSeq, () => describeKey('history', [workflowId, firstSeq]));
    if (typeof chunk.events !== 'string') texts = false;
    chunks.push([firstSeq, chunk.lastSeq, chunk.events]);
    expected = chunk.lastSeq + 1;
  }
  if (chunks.length === 0) return [];
  let events: unknown[] | undefined;
  if (texts) {
    // One parse of a range of JSON chunks is much faster than one per chunk; a failure is pinned below.
    const bodies = chunks.map((chunk) => chunk[2] as string);
    try {
      events = JSON.parse(bodies.length === 1 ? `[${bodies[0]}]` : `[${bodies.join(',')}]`) as unknown[];
    } catch {
      events = undefined;
    }
  }
  if (events?.length !== expected - start) {
    events = chunks.flatMap(([firstSeq, lastSeq, body]) => chunkEvents(workflowId, firstSeq, lastSeq, body));
  }
  for (let index = 0; index < events.length; index++)
    checkStoredEvent(events[index], workflowId, start + index);
  return (fromSeq > start ? events.slice(fromSeq - start) : events) as WorkflowEvent[];
}

/**
 * The events of one chunk (its body's events: JSON text, or what its MessagePack held), counted
 * against its key and header: `StoreCorruption` naming the chunk otherwise. Each event's own seq
 * is checked by the caller (`checkStoredEvent`).
 */
export function chunkEvents(
  workflowId: string,
  firstSeq: number,
  lastSeq: number,
  body: string | unknown[],
): unknown[] {
  const where = () => describeKey('history', [workflowId, firstSeq]);
  let events: unknown;
  if (typeof body !== 'string') {
    events = body;
  } else {
    try {
      events = JSON.parse(`[${body}]`);
    } catch (error) {
      throw new StoreCorruption(where(), 'value is not JSON', { cause: error });
    }
  }
  const count = (events as unknown[]).length;
  if (count !== lastSeq - firstSeq + 1) {
    throw new StoreCorruption(
      where(),
      `holds ${count} events; its key and header say ${lastSeq - firstSeq + 1}`,
    );
  }
  return events as unknown[];
}
