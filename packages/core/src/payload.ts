import { PayloadError } from './errors.js';

/** A JSON value: the only kind of data that crosses the payload boundary. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { readonly [key: string]: JsonValue };

/** The default largest payload, in bytes of its UTF-8 JSON text (as Temporal's blob limit). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 2 * 1024 * 1024;

/** Where a payload is checked and how big it may be. */
export interface PayloadCheckOptions {
  /** Names the value in error messages, e.g. `input` or `events[3].result`. */
  readonly path?: string;
  readonly maxBytes?: number;
}

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const childPath = (path: string, key: string): string =>
  identifier.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

/**
 * Checks that `value` is plain JSON and returns a deep copy of it that shares nothing with the
 * caller. Refuses `undefined`, functions, symbols, BigInt, cycles, non-finite numbers, class
 * instances and payloads over `maxBytes`, with a `PayloadError` naming the path of the bad
 * value. A `__proto__` key is copied as an own data property and never reaches a prototype.
 * `-0` becomes `0`, as JSON has no negative zero.
 */
export function checkPayload(value: unknown, options: PayloadCheckOptions = {}): JsonValue {
  return decodePayload(encodePayload(value, options));
}

/** `checkPayload`, returning the JSON text instead of the copy (what stores write). */
export function encodePayload(value: unknown, options: PayloadCheckOptions = {}): string {
  const path = options.path ?? 'payload';
  assertJson(value, path, new Set());
  const text = JSON.stringify(value);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  // Byte length is at most 3 × UTF-16 length; measure exactly only near the limit.
  if (text.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > maxBytes)
      throw new PayloadError(path, `is ${bytes} bytes of JSON, over the limit of ${maxBytes}`);
  }
  return text;
}

/** Parses JSON text written by `encodePayload`. `JSON.parse` defines `__proto__` as an own key. */
export function decodePayload(text: string): JsonValue {
  return JSON.parse(text) as JsonValue;
}

function assertJson(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new PayloadError(path, `${value} is not a finite number`);
      return;
    case 'undefined':
      throw new PayloadError(path, 'undefined is not JSON (use null)');
    case 'bigint':
      throw new PayloadError(path, 'a BigInt is not JSON (encode it as a string)');
    case 'function':
      throw new PayloadError(path, 'a function is not JSON');
    case 'symbol':
      throw new PayloadError(path, 'a symbol is not JSON');
  }
  if (value === null) return;
  const object = value as object;
  if (ancestors.has(object)) throw new PayloadError(path, 'is a cycle (refers back to an enclosing value)');
  ancestors.add(object);
  if (Array.isArray(object)) {
    for (let index = 0; index < object.length; index++) {
      if (!(index in object)) throw new PayloadError(`${path}[${index}]`, 'is a hole in a sparse array');
      assertJson(object[index], `${path}[${index}]`, ancestors);
    }
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (proto as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
      throw new PayloadError(path, `a ${kind} is not a plain JSON object`);
    }
    if (Object.getOwnPropertySymbols(object).length > 0) throw new PayloadError(path, 'has symbol keys');
    for (const key of Object.keys(object)) {
      assertJson((object as Record<string, unknown>)[key], childPath(path, key), ancestors);
    }
  }
  ancestors.delete(object);
}

/** Structural equality of two JSON values (object key order ignored). */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as readonly JsonValue[];
    return a.length === other.length && a.every((item, index) => jsonEqual(item, other[index] as JsonValue));
  }
  const left = a as JsonObject;
  const right = b as JsonObject;
  const keys = Object.keys(left);
  return (
    keys.length === Object.keys(right).length &&
    keys.every(
      (key) => Object.hasOwn(right, key) && jsonEqual(left[key] as JsonValue, right[key] as JsonValue),
    )
  );
}
