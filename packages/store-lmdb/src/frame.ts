import { crc32 } from 'node:zlib';
import { type RunBacklog, StoreCorruption, type WorkflowEvent } from '@reprise/core';
import { storedEventProblem } from '@reprise/core/internal';
import { describeKey } from './layout.js';

/**
 * Every value the store writes is a frame: the CRC-32 of the body as 8 lowercase hex digits,
 * then the body, JSON text, as UTF-8. The databases read values as strings (lmdb-js's string
 * encoding reads back faster than buffers); frames are written as the UTF-8 bytes themselves,
 * which is what the string encoding would store. A frame whose checksum or JSON does not hold is
 * reported as `StoreCorruption` naming its key; nothing is guessed.
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
 * A history chunk: the events of one append, stored under `[tid, firstSeq]` as one frame whose
 * body is the seq of its last event in decimal, then (format 6, see `backlogOfChunk`) the open
 * run's backlog after those events as a JSON object and a line feed, then the events as a JSON
 * array: `lastSeq[event,...]` or `lastSeq{"activities":1,...}\n[event,...]`. The last seq in
 * front lets a reader learn where a history ends from the last chunk's first bytes, without
 * parsing its events. JSON text holds no raw line feed, so the first one ends the backlog.
 */
export function encodeChunk(lastSeq: number, texts: readonly string[], backlog?: RunBacklog): Buffer {
  // Written piece by piece into the frame, not joined into a string first (which lmdb-js would
  // only copy once more): the chunk is the one value every append writes.
  const build = backlog?.build === undefined ? undefined : JSON.stringify(backlog.build);
  let mostBytes = HEADER_CHARS + MOST_DECIMAL_DIGITS + texts.length + 1;
  if (backlog !== undefined) mostBytes += MOST_BACKLOG_ASCII + (build === undefined ? 0 : build.length * 3);
  for (const text of texts) mostBytes += text.length * 3;
  startFrame(mostBytes);
  putDecimal(lastSeq);
  if (backlog !== undefined) putBacklog(backlog, build);
  target[position++] = 91; // '['
  for (let index = 0; index < texts.length; index++) {
    if (index > 0) target[position++] = 44; // ','
    putText(texts[index] as string);
  }
  target[position++] = 93; // ']'
  return endFrame();
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
  /** Its events' JSON texts joined by commas, without the array's brackets. */
  readonly events: string;
}

/**
 * Reads the chunk stored under `[tid, firstSeq]`: checks its checksum, that its last seq is a
 * safe integer not below `firstSeq`, and the shape of the backlog it carries; `describeKey`
 * names it in errors.
 */
export function decodeChunk(frame: string, firstSeq: number, describeKey: () => string): ChunkBody {
  const body = frameBody(frame, describeKey);
  let digits = 0;
  while (digits < 17 && isDigit(body.charCodeAt(digits))) digits++;
  const lastSeq = digits > 0 ? Number(body.slice(0, digits)) : Number.NaN;
  let open = digits;
  let backlog: RunBacklog | undefined;
  if (body.charCodeAt(digits) === 123) {
    // '{': a backlog, up to the line feed.
    open = body.indexOf('\n', digits) + 1;
    backlog = open > 0 ? parseBacklog(body.slice(digits, open - 1)) : undefined;
    if (backlog === undefined) throw new StoreCorruption(describeKey(), 'holds no readable backlog');
  }
  if (
    !Number.isSafeInteger(lastSeq) ||
    lastSeq < firstSeq ||
    body.charCodeAt(open) !== 91 ||
    body.charCodeAt(body.length - 1) !== 93
  ) {
    throw new StoreCorruption(describeKey(), 'is not a history chunk');
  }
  return { lastSeq, backlog, events: body.slice(open + 1, body.length - 1) };
}

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
 * seq, and whether a backlog follows it (`undefined` when the header is not digits then `[` or
 * `{`). For finding where a history ends; the checksum is checked when the chunk is read.
 */
export function chunkHeader(bytes: Uint8Array): { lastSeq: number; backlog: boolean } | undefined {
  let seq = 0;
  for (let index = HEADER_CHARS; index < bytes.length && index < HEADER_CHARS + 17; index++) {
    const byte = bytes[index] as number;
    if (byte === 91 || byte === 123) {
      // '[' or '{'
      return index > HEADER_CHARS ? { lastSeq: seq, backlog: byte === 123 } : undefined;
    }
    if (byte < 48 || byte > 57) return undefined;
    seq = seq * 10 + (byte - 48);
  }
  return undefined;
}
