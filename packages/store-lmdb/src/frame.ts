import { crc32 } from 'node:zlib';
import { StoreCorruption } from '@reprise/core';

/**
 * Every value the store writes is a frame: the CRC-32 of the body as 8 lowercase hex digits,
 * then the body, JSON text (stored as UTF-8 by lmdb-js's string encoding, which reads back
 * faster than buffers). A frame whose checksum or JSON does not hold is reported as
 * `StoreCorruption` naming its key; nothing is guessed.
 */
const HEADER_CHARS = 8;

/** The frame of a JSON text. */
export function encodeFrame(json: string): string {
  return crc32(json).toString(16).padStart(HEADER_CHARS, '0') + json;
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
