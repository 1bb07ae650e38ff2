import { crc32 } from 'node:zlib';
import { StoreCorruption, type WorkflowEvent } from '@reprise/core';
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
 * The frame of a JSON text, as the bytes to store. The text is encoded once, the checksum taken
 * over those bytes: a string frame would be encoded twice (for the checksum, then by lmdb-js)
 * and copied once more to join header and body.
 */
export function encodeFrame(json: string): Buffer {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  const mostBytes = HEADER_CHARS + json.length * 3;
  let frame: Buffer;
  if (mostBytes > LARGEST_SLAB_FRAME) {
    frame = Buffer.allocUnsafe(HEADER_CHARS + Buffer.byteLength(json));
    frame.write(json, HEADER_CHARS, 'utf8');
  } else {
    if (slabUsed + mostBytes > SLAB_BYTES) {
      slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      slabUsed = 0;
    }
    const start = slabUsed;
    const end = start + HEADER_CHARS + slab.write(json, start + HEADER_CHARS, 'utf8');
    slabUsed = end;
    frame = slab.subarray(start, end);
  }
  let crc = crc32(frame.subarray(HEADER_CHARS));
  for (let index = HEADER_CHARS - 1; index >= 0; index--) {
    frame[index] = HEX_DIGITS.charCodeAt(crc & 15);
    crc >>>= 4;
  }
  return frame;
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
 * body is the seq of its last event in decimal, then the events as a JSON array:
 * `lastSeq[event,event,...]`. The last seq in front lets a reader learn where a history ends
 * from the last chunk's first bytes, without parsing its events.
 */
export function encodeChunk(lastSeq: number, texts: readonly string[]): Buffer {
  return encodeFrame(
    texts.length === 1 ? `${lastSeq}[${texts[0] as string}]` : `${lastSeq}[${texts.join(',')}]`,
  );
}

/** What a chunk frame holds, once its checksum and header hold. */
export interface ChunkBody {
  /** The seq of its last event. */
  readonly lastSeq: number;
  /** Its events' JSON texts joined by commas, without the array's brackets. */
  readonly events: string;
}

/**
 * Reads the chunk stored under `[tid, firstSeq]`: checks its checksum and that its last seq
 * is a safe integer not below `firstSeq`; `describeKey` names it in errors.
 */
export function decodeChunk(frame: string, firstSeq: number, describeKey: () => string): ChunkBody {
  const body = frameBody(frame, describeKey);
  const open = body.indexOf('[');
  const lastSeq = open > 0 && open <= 16 ? Number(body.slice(0, open)) : Number.NaN;
  if (!Number.isSafeInteger(lastSeq) || lastSeq < firstSeq || body.charCodeAt(body.length - 1) !== 93) {
    throw new StoreCorruption(describeKey(), 'is not a history chunk');
  }
  return { lastSeq, events: body.slice(open + 1, body.length - 1) };
}

/**
 * The last seq a chunk frame's header names, read from its bytes without decoding the events
 * (`undefined` when the header is not digits then `[`). For finding where a history ends; the
 * checksum is checked when the chunk is read.
 */
export function chunkLastSeq(bytes: Uint8Array): number | undefined {
  let seq = 0;
  for (let index = HEADER_CHARS; index < bytes.length && index < HEADER_CHARS + 17; index++) {
    const byte = bytes[index] as number;
    if (byte === 91) return index > HEADER_CHARS ? seq : undefined; // '['
    if (byte < 48 || byte > 57) return undefined;
    seq = seq * 10 + (byte - 48);
  }
  return undefined;
}
