import { crc32 } from 'node:zlib';
import { type RunBacklog, StoreCorruption, type WorkflowEvent } from '@reprise/core';
import { storedEventProblem } from '@reprise/core/internal';
import { Packr, Unpackr } from 'msgpackr';
import { describeKey } from './layout.js';

/**
 * Every value the store writes is a frame: the CRC-32 of the body as 8 lowercase hex digits,
 * then the body, as UTF-8 JSON text, except for the events of a history chunk, which may be
 * MessagePack (see `encodeChunk`). Records and the format record are read as strings (lmdb-js's
 * string encoding reads back faster than buffers); frames are written as the UTF-8 bytes
 * themselves, which is what the string encoding would store. Chunks are read as bytes. A frame
 * whose checksum, JSON or MessagePack does not hold is reported as `StoreCorruption` naming its
 * key; nothing is guessed.
 */
const HEADER_CHARS = 8;
const HEX_DIGITS = '0123456789abcdef';

/**
 * Frames are cut from shared slabs, each part handed out once and never written again: lmdb-js
 * reads a frame's bytes by address until its commit and holds the frame (so its slab) until
 * then. A slab saves measuring the text's UTF-8 length first and one allocation per frame.
 */
const SLAB_BYTES = 64 * 1024;
/** A frame that could take more than this gets a buffer of its own, not a slab's rest. */
const LARGEST_SLAB_FRAME = SLAB_BYTES / 8;
let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let slabUsed = 0;

/**
 * The frame being written (one at a time, synchronously): the buffer it goes to (the slab, or a
 * buffer of its own), where it starts, and where its next byte goes.
 */
let target = slab;
let frameStart = 0;
let position = 0;

/**
 * Starts a frame whose header and body take at most `mostBytes` bytes (UTF-8 takes at most 3
 * bytes per UTF-16 code unit): in the slab's rest, or, when it could take more than a slab
 * frame, in a buffer of its own (cut to size by `endFrame`).
 */
function startFrame(mostBytes: number): void {
  if (mostBytes > LARGEST_SLAB_FRAME) {
    target = Buffer.allocUnsafe(mostBytes);
    frameStart = 0;
  } else {
    if (slabUsed + mostBytes > SLAB_BYTES) {
      slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      slabUsed = 0;
    }
    target = slab;
    frameStart = slabUsed;
  }
  position = frameStart + HEADER_CHARS;
}

/** Writes a string's UTF-8 bytes into the frame. */
function putText(text: string): void {
  position += target.write(text, position, 'utf8');
}

/** The bytes of an ASCII text the frames write often (JSON punctuation and keys), made once. */
const asciiBytes = (text: string): Uint8Array => Uint8Array.from(text, (char) => char.charCodeAt(0));

/** Writes bytes made by `asciiBytes`: one copy, where writing the text char by char took longer. */
function putBytes(bytes: Uint8Array): void {
  target.set(bytes, position);
  position += bytes.length;
}

/** Writes a non-negative safe integer in decimal. */
function putDecimal(value: number): void {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  position += digits;
  let at = position;
  let rest = value;
  do {
    target[--at] = 48 + (rest % 10);
    rest = Math.floor(rest / 10);
  } while (rest > 0);
}

/**
 * Ends the frame: writes the checksum of its body into its header and hands it out. A frame
 * in a buffer of its own is copied to one of its exact size when the room left is worth it.
 */
function endFrame(): Buffer {
  let frame: Buffer;
  if (target === slab) {
    frame = slab.subarray(frameStart, position);
    slabUsed = position;
  } else {
    frame =
      position < target.length / 2 ? Buffer.from(target.subarray(0, position)) : target.subarray(0, position);
  }
  let crc = crc32(frame.subarray(HEADER_CHARS));
  for (let index = HEADER_CHARS - 1; index >= 0; index--) {
    frame[index] = HEX_DIGITS.charCodeAt(crc & 15);
    crc >>>= 4;
  }
  return frame;
}

/**
 * The frame of a JSON text, as the bytes to store. The text is encoded once, the checksum taken
 * over those bytes: a string frame would be encoded twice (for the checksum, then by lmdb-js)
 * and copied once more to join header and body.
 */
export function encodeFrame(json: string): Buffer {
  startFrame(HEADER_CHARS + json.length * 3);
  putText(json);
  return endFrame();
}

/** The body of a frame, once its checksum holds; `describeKey` names the record in errors. */
export function frameBody(frame: string, describeKey: () => string): string {
  if (typeof frame !== 'string' || frame.length < HEADER_CHARS) {
    throw new StoreCorruption(describeKey(), 'value is shorter than its header');
  }
  const body = frame.slice(HEADER_CHARS);
  const stored = Number.parseInt(frame.slice(0, HEADER_CHARS), 16);
  const actual = crc32(body);
  if (stored !== actual) {
    throw new StoreCorruption(
      describeKey(),
      `checksum mismatch (stored ${frame.slice(0, HEADER_CHARS)}, computed ${actual.toString(16).padStart(HEADER_CHARS, '0')})`,
    );
  }
  return body;
}

/** The JSON value in a frame. */
export function decodeFrame(frame: string, describeKey: () => string): unknown {
  const body = frameBody(frame, describeKey);
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new StoreCorruption(describeKey(), 'value is not JSON', { cause: error });
  }
}

/**
 * Checks a value read from `history` at `[workflowId, seq]`: the event it must be, with that
 * seq and workflow id. Replay trusts what it reads, so a value that passed its checksum yet is
 * no such event is damage, reported as `StoreCorruption` naming the key.
 */
export function checkStoredEvent(value: unknown, workflowId: string, seq: number): WorkflowEvent {
  const event = value as Partial<WorkflowEvent> | null | undefined;
  if (event?.seq !== seq || event.workflowId !== workflowId) {
    throw new StoreCorruption(
      describeKey('history', [workflowId, seq]),
      `holds ${JSON.stringify([event?.workflowId, event?.seq])}`,
    );
  }
  const problem = storedEventProblem(value);
  if (problem !== undefined) {
    throw new StoreCorruption(describeKey('history', [workflowId, seq]), `not an event: ${problem}`);
  }
  return value as WorkflowEvent;
}

/**
 * An append's events as its chunk holds them: their JSON texts, or (format 8) one MessagePack
 * array of them (`packEvents`).
 */
export type ChunkEvents = readonly string[] | PackedEvents;

/** Events packed as one MessagePack array (`packEvents`), and how many they are. */
export interface PackedEvents {
  readonly packed: Uint8Array;
  readonly count: number;
}

/** How many events a chunk's events are. */
export const eventCount = (events: ChunkEvents): number => (isPacked(events) ? events.count : events.length);

const isPacked = (events: ChunkEvents): events is PackedEvents => !Array.isArray(events);

/** The envelope's fields, after an event's own (`envelopeEvents`). */
const ENVELOPE = ['seq', 'recordedAt', 'workflowId'] as const;

/**
 * The record structures of packed chunks (msgpackr's shared structures): the key orders, as the
 * engine writes them, of its commonest events and of an error, a parent link and a timeout in
 * them. An object of one of these shapes is written as the structure's number and its values
 * (no keys); an object of any other shape as a record whose keys the chunk itself defines, so a
 * chunk reads on its own with this list. The list is part of format 8: never change or remove an
 * entry; adding one at the end needs a new format version, as this code would not read a chunk
 * that refers to it. At most 32 (one-byte structure numbers).
 */
const RECORD_SHAPES: readonly (readonly string[])[] = [
  ['type', 'workflowType', 'input', 'runId', 'parentRunId', 'buildId', ...ENVELOPE],
  ['type', 'workflowType', 'input', 'runId', 'parentRunId', 'buildId', 'firstStepQuiet', ...ENVELOPE],
  ['type', 'workflowType', 'input', 'runId', 'parentRunId', 'parent', 'buildId', ...ENVELOPE],
  ['type', 'workflowType', 'input', 'runId', 'parentRunId', 'searchAttributes', 'buildId', ...ENVELOPE],
  ['type', 'activityId', 'activityType', 'input', ...ENVELOPE],
  ['type', 'activityId', 'attempt', 'result', ...ENVELOPE],
  ['type', 'activityId', 'attempt', 'error', 'retryAt', ...ENVELOPE],
  ['type', 'activityId', 'attempt', 'error', ...ENVELOPE],
  ['type', 'result', ...ENVELOPE],
  ['type', 'error', ...ENVELOPE],
  ['type', 'reason', ...ENVELOPE],
  ['type', 'timerId', 'fireAt', ...ENVELOPE],
  ['type', 'timerId', ...ENVELOPE],
  ['type', 'signalName', 'payload', ...ENVELOPE],
  ['type', 'childId', 'childWorkflowId', 'workflowType', 'input', 'parentClosePolicy', ...ENVELOPE],
  ['type', 'childId', 'childWorkflowId', 'result', ...ENVELOPE],
  ['type', 'childId', 'childWorkflowId', 'error', ...ENVELOPE],
  ['type', 'input', 'parentRunId', ...ENVELOPE],
  ['type', 'searchAttributes', ...ENVELOPE],
  ['type', 'timeout', ...ENVELOPE],
  ['type', 'buildId', ...ENVELOPE],
  ['name', 'message', 'stack'],
  ['name', 'message'],
  ['workflowId', 'runId', 'childId', 'parentClosePolicy'],
  ['kind', 'afterMs'],
];
const MAX_SHARED_STRUCTURES = 32;

/** A copy of the shapes for one packer or unpacker: msgpackr marks up the arrays it is given. */
const recordShapes = (): string[][] => RECORD_SHAPES.map((keys) => [...keys]);

/**
 * Chunks' MessagePack: msgpackr's records (the shapes above, and shapes defined in a chunk for
 * that chunk alone: `shouldShareStructure` keeps any from becoming shared), no extensions. Plain
 * JSON that core's `checkEventBatchForBinary` lets through reads back as its JSON text would.
 * Records leave out each event's keys: about 8% more order runs a second than plain maps (in
 * one process, alternated), and about half their bytes.
 */
const packr = new Packr({
  structures: recordShapes(),
  maxSharedStructures: MAX_SHARED_STRUCTURES,
  shouldShareStructure: () => false,
});
const unpackr = new Unpackr({
  structures: recordShapes(),
  maxSharedStructures: MAX_SHARED_STRUCTURES,
  mapsAsObjects: true,
});

/**
 * Events as one MessagePack array, copied out of the packer's buffer (which the next pack
 * writes over): the append keeps them while it waits its turn. `undefined` when msgpackr
 * refuses them (an object of more than 65,535 keys): the append then writes their JSON texts.
 * Measured on the (b) workload of the engine benchmark, warm, in one process: 7 to 12% more
 * runs a second than writing the events' JSON texts, as `JSON.stringify` and its strings cost
 * the main thread more (README, "Format 8").
 */
export function packEvents(events: readonly WorkflowEvent[]): PackedEvents | undefined {
  let packed: Uint8Array;
  try {
    packed = packr.pack(events);
  } catch {
    return undefined;
  }
  return { packed: Buffer.from(packed), count: events.length };
}

/**
 * A history chunk: the events of one append, stored under `[tid, firstSeq]` as one frame whose
 * body is the seq of its last event in decimal, then (format 6, see `backlogOfChunk`) the open
 * run's backlog after those events as a JSON object and a line feed, then the events: as a JSON
 * array, `lastSeq[event,...]` or `lastSeq{"activities":1,...}\n[event,...]`, or (format 8) as a
 * MessagePack array, whose first byte (0x90 to 0x9f, 0xdc or 0xdd) is never `[`. The last seq in
 * front lets a reader learn where a history ends from the last chunk's first bytes, without
 * reading its events. JSON text holds no raw line feed, so the first one ends the backlog.
 */
export function encodeChunk(lastSeq: number, events: ChunkEvents, backlog?: RunBacklog): Buffer {
  // Written piece by piece into the frame, not joined into a string first (which lmdb-js would
  // only copy once more): the chunk is the one value every append writes.
  const build = backlog?.build === undefined ? undefined : JSON.stringify(backlog.build);
  let mostBytes = HEADER_CHARS + MOST_DECIMAL_DIGITS;
  if (backlog !== undefined) mostBytes += MOST_BACKLOG_ASCII + (build === undefined ? 0 : build.length * 3);
  if (isPacked(events)) {
    mostBytes += events.packed.length;
  } else {
    mostBytes += events.length + 1;
    for (const text of events) mostBytes += text.length * 3;
  }
  startFrame(mostBytes);
  putDecimal(lastSeq);
  if (backlog !== undefined) putBacklog(backlog, build);
  if (isPacked(events)) {
    putBytes(events.packed);
    return endFrame();
  }
  target[position++] = 91; // '['
  for (let index = 0; index < events.length; index++) {
    if (index > 0) target[position++] = 44; // ','
    putText(events[index] as string);
  }
  target[position++] = 93; // ']'
  return endFrame();
}

/** Copies of the events of a chunk's events (the caller's objects may have changed since). */
export function eventsOf(events: ChunkEvents): WorkflowEvent[] {
  if (isPacked(events)) return unpackr.unpack(events.packed) as WorkflowEvent[];
  return events.map((text) => JSON.parse(text) as WorkflowEvent);
}

/** The most digits of a safe integer in decimal. */
const MOST_DECIMAL_DIGITS = 16;
/** The most bytes of a backlog's JSON and its line feed, but its build's JSON string. */
const MOST_BACKLOG_ASCII =
  '{"activities":,"children":,"signals":,"input":true,"build":}\n'.length + 3 * MOST_DECIMAL_DIGITS;

/**
 * Writes a backlog's JSON and the line feed that ends it, field by field: the text
 * `JSON.stringify` makes of the backlogs the projection builds (their keys in this order).
 * `build` is the JSON string of its build, when it has one.
 */
function putBacklog(backlog: RunBacklog, build: string | undefined): void {
  putBytes(ACTIVITIES_KEY);
  putDecimal(backlog.activities);
  putBytes(CHILDREN_KEY);
  putDecimal(backlog.children);
  putBytes(SIGNALS_KEY);
  putDecimal(backlog.signals);
  if (backlog.input === true) putBytes(INPUT_TRUE);
  if (build !== undefined) {
    putBytes(BUILD_KEY);
    putText(build);
  }
  target[position++] = 125; // '}'
  target[position++] = 10; // '\n'
}

const ACTIVITIES_KEY = asciiBytes('{"activities":');
const CHILDREN_KEY = asciiBytes(',"children":');
const SIGNALS_KEY = asciiBytes(',"signals":');
const INPUT_TRUE = asciiBytes(',"input":true');
const BUILD_KEY = asciiBytes(',"build":');

/** What a chunk frame holds, once its checksum and header hold. */
export interface ChunkBody {
  /** The seq of its last event. */
  readonly lastSeq: number;
  /** The open run's backlog after its events, when the chunk carries one. */
  readonly backlog: RunBacklog | undefined;
  /**
   * Its events' JSON texts joined by commas, without the array's brackets; or, from a
   * MessagePack chunk, what it holds (an array: its length and events are the caller's to check).
   */
  readonly events: string | unknown[];
}

/**
 * Reads the chunk stored under `[tid, firstSeq]`, as bytes: checks its checksum, that its last
 * seq is a safe integer not below `firstSeq`, the shape of the backlog it carries, and that its
 * events are a JSON array's text or a readable MessagePack array; `describeKey` names it in errors.
 */
export function decodeChunk(frame: Uint8Array, firstSeq: number, describeKey: () => string): ChunkBody {
  if (!(frame instanceof Uint8Array) || frame.length < HEADER_CHARS) {
    throw new StoreCorruption(describeKey(), 'value is shorter than its header');
  }
  const bytes = Buffer.from(frame.buffer, frame.byteOffset, frame.length);
  const header = bytes.toString('latin1', 0, HEADER_CHARS);
  const body = bytes.subarray(HEADER_CHARS);
  const actual = crc32(body);
  if (Number.parseInt(header, 16) !== actual) {
    throw new StoreCorruption(
      describeKey(),
      `checksum mismatch (stored ${header}, computed ${actual.toString(16).padStart(HEADER_CHARS, '0')})`,
    );
  }
  let digits = 0;
  while (digits < 17 && isDigit(body[digits] as number)) digits++;
  const lastSeq = digits > 0 ? Number(body.toString('latin1', 0, digits)) : Number.NaN;
  let open = digits;
  let backlog: RunBacklog | undefined;
  if (body[digits] === 123) {
    // '{': a backlog, up to the line feed.
    open = body.indexOf(10, digits) + 1;
    backlog = open > 0 ? parseBacklog(body.toString('utf8', digits, open - 1)) : undefined;
    if (backlog === undefined) throw new StoreCorruption(describeKey(), 'holds no readable backlog');
  }
  if (!Number.isSafeInteger(lastSeq) || lastSeq < firstSeq) {
    throw new StoreCorruption(describeKey(), 'is not a history chunk');
  }
  const first = body[open] as number;
  if (first === 91 && body[body.length - 1] === 93) {
    return { lastSeq, backlog, events: body.toString('utf8', open + 1, body.length - 1) };
  }
  if (!isPackedArrayStart(first)) throw new StoreCorruption(describeKey(), 'is not a history chunk');
  let events: unknown;
  try {
    events = unpackr.unpack(body.subarray(open));
  } catch (error) {
    throw new StoreCorruption(describeKey(), 'value is not MessagePack', { cause: error });
  }
  if (!Array.isArray(events)) throw new StoreCorruption(describeKey(), 'is not a history chunk');
  return { lastSeq, backlog, events };
}

/** Whether a byte starts a MessagePack array: fixarray (0x90 to 0x9f), array 16 or array 32. */
const isPackedArrayStart = (byte: number): boolean =>
  (byte >= 0x90 && byte <= 0x9f) || byte === 0xdc || byte === 0xdd;

const isDigit = (code: number) => code >= 48 && code <= 57;

/** A backlog as a chunk stores it, or `undefined` when the text is not one. */
function parseBacklog(text: string): RunBacklog | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const backlog = value as Partial<Record<keyof RunBacklog, unknown>> | null;
  if (typeof backlog !== 'object' || backlog === null || Array.isArray(backlog)) return undefined;
  for (const count of [backlog.activities, backlog.children, backlog.signals]) {
    if (!Number.isSafeInteger(count) || (count as number) < 0) return undefined;
  }
  if (backlog.input !== undefined && backlog.input !== true) return undefined;
  if (backlog.build !== undefined && typeof backlog.build !== 'string') return undefined;
  return value as RunBacklog;
}

/**
 * What a chunk frame's header says, read from its bytes without decoding the events: its last
 * seq, and whether a backlog follows it (`undefined` when the header is not digits then `[`,
 * `{` or a MessagePack array). For finding where a history ends; the checksum is checked when the chunk is read.
 */
export function chunkHeader(bytes: Uint8Array): { lastSeq: number; backlog: boolean } | undefined {
  let seq = 0;
  for (let index = HEADER_CHARS; index < bytes.length && index < HEADER_CHARS + 17; index++) {
    const byte = bytes[index] as number;
    if (byte === 91 || byte === 123 || isPackedArrayStart(byte)) {
      // '[', '{' or a MessagePack array
      return index > HEADER_CHARS ? { lastSeq: seq, backlog: byte === 123 } : undefined;
    }
    if (byte < 48 || byte > 57) return undefined;
    seq = seq * 10 + (byte - 48);
  }
  return undefined;
}
