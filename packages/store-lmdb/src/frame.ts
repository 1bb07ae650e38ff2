import { crc32 } from 'node:zlib';
import { StoreCorruption } from '@reprise/core';

/**
 * Every value the store writes is a frame: a CRC-32 of the body (4 bytes, little-endian),
 * then the body, UTF-8 JSON text. A frame whose checksum or JSON does not hold is reported as
 * `StoreCorruption` naming its key; nothing is guessed.
 */
const HEADER_BYTES = 4;

/** The frame of a JSON text. */
export function encodeFrame(json: string): Buffer {
  const bodyBytes = Buffer.byteLength(json, 'utf8');
  const frame = Buffer.allocUnsafe(HEADER_BYTES + bodyBytes);
  frame.write(json, HEADER_BYTES, bodyBytes, 'utf8');
  frame.writeUInt32LE(crc32(frame.subarray(HEADER_BYTES)), 0);
  return frame;
}

/** The JSON value in a frame; `describeKey` names the record in the error. */
export function decodeFrame(frame: Uint8Array, describeKey: () => string): unknown {
  if (frame.length < HEADER_BYTES) {
    throw new StoreCorruption(describeKey(), `value is ${frame.length} bytes, shorter than its header`);
  }
  const bytes = Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.length);
  const body = bytes.subarray(HEADER_BYTES);
  const stored = bytes.readUInt32LE(0);
  const actual = crc32(body);
  if (stored !== actual) {
    throw new StoreCorruption(
      describeKey(),
      `checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)})`,
    );
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new StoreCorruption(describeKey(), 'value is not JSON', { cause: error });
  }
}
