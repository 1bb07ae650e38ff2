import { InvalidArgumentError, PayloadError } from './errors.js';

import type { JsonObject, JsonValue } from './json-value.js';

export type { JsonObject, JsonValue } from './json-value.js';

/** The default largest payload, in bytes of its UTF-8 JSON text (as Temporal's blob limit). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 2 * 1024 * 1024;

/** Where a payload is checked and how big it may be. */
export interface PayloadCheckOptions {
  /** Names the value in error messages, e.g. `input` or `events[3].result`. */
  readonly path?: string;
  /** The largest payload, in bytes of its UTF-8 JSON text; `DEFAULT_MAX_PAYLOAD_BYTES` by default. */
  readonly maxBytes?: number;
}

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The keys and indexes from a payload's root down to a value; made into a path only for an error. */
type Segments = (string | number)[];

function pathOf(base: string, segments: Segments): string {
  let path = base;
  for (const segment of segments) {
    if (typeof segment === 'number') path = `${path}[${segment}]`;
    else path = identifier.test(segment) ? `${path}.${segment}` : `${path}[${JSON.stringify(segment)}]`;
  }
  return path;
}

/**
 * Checks that `value` is plain JSON and returns a deep copy of it that shares nothing with the
 * caller. Refuses `undefined`, functions, symbols, BigInt, cycles, non-finite numbers, class
 * instances and payloads over `maxBytes`, with a `PayloadError` naming the path of the bad
 * value. A `__proto__` key is copied as an own data property and never reaches a prototype.
 * `-0` becomes `0`, as JSON has no negative zero.
 */
export function checkPayload(value: unknown, options: PayloadCheckOptions = {}): JsonValue {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  // A scalar is its own copy: no JSON text is made for it unless it may be near the limit.
  switch (typeof value) {
    case 'string':
      if (value.length * MAX_BYTES_PER_CHAR + 2 <= maxBytes) return value;
      break;
    case 'number':
      if (Number.isFinite(value) && MAX_NUMBER_BYTES <= maxBytes) return value === 0 ? 0 : value;
      break;
    case 'boolean':
      if (MAX_NUMBER_BYTES <= maxBytes) return value;
      break;
    case 'object':
      if (value === null && MAX_NUMBER_BYTES <= maxBytes) return null;
      break;
  }
  const text = encodePayload(value, options);
  const copy = decodePayload(text);
  if (typeof copy === 'object' && copy !== null) checkedTexts.set(copy, text);
  return copy;
}

/**
 * The JSON text of each object `checkPayload` returned, until an event that holds it is encoded
 * (`encodePayloadAt`): the payload is checked, walked and written once, at the boundary, not again
 * by the store. The copy is the caller's only, made from that text, so the text is the payload
 * as it was checked.
 */
const checkedTexts = new WeakMap<object, string>();

/**
 * The most bytes of JSON text one UTF-16 code unit of a string can become: 6, for a control
 * character or a lone surrogate written as `\u00XX` (a code unit outside them takes at most 3).
 */
const MAX_BYTES_PER_CHAR = 6;
/** More bytes than the JSON text of any number, boolean or `null` (`-1.2345678901234567e-308` is 24). */
const MAX_NUMBER_BYTES = 32;

/** `checkPayload`, returning the JSON text instead of the copy (what stores write). */
export function encodePayload(value: unknown, options: PayloadCheckOptions = {}): string {
  return encodeChecked(value, options.path ?? 'payload', undefined, options.maxBytes);
}

/**
 * @internal `encodePayload` for element `index` of a list named `base` (`events[3]`): the path
 * is made only for an error, as a store checks every event it appends.
 */
export function encodePayloadAt(value: unknown, base: string, index: number, maxBytes?: number): string {
  if (typeof value === 'object' && value !== null) {
    const verdict = Array.isArray(value) ? CAREFUL : fieldsVerdict(value);
    if (verdict === PLAIN)
      return withinLimit(JSON.stringify(value), base, index, maxBytes ?? DEFAULT_MAX_PAYLOAD_BYTES);
    if (verdict === HOLDS_CHECKED || holdsCheckedPayload(value)) {
      return encodeFields(value as Record<string, unknown>, base, index, maxBytes);
    }
  }
  return encodeChecked(value, base, index, maxBytes);
}

/**
 * @internal Whether a store may write `record` (an event it appends) in a binary encoding
 * (MessagePack, as msgpackr writes and reads it) rather than as JSON text: it is plain JSON,
 * which that encoding reads back as `JSON.parse` reads its JSON text (same keys in the same
 * order, same values), and its JSON text is surely within `maxBytes`. `false` for anything
 * else, or when unsure: the store then writes its JSON text, checked (and refused, naming the
 * path) as ever. What msgpackr would not read back as JSON does: a `__proto__` key (read back
 * as `__proto_`) and a string or key that is not well-formed UTF-16 (a lone surrogate, read
 * back as U+FFFD). `-0` needs nothing: it is written as 0, as in JSON.
 */
export function fitsBinaryAt(record: object, maxBytes = DEFAULT_MAX_PAYLOAD_BYTES): boolean {
  const bytes = mostJsonBytes(record, QUICK_CHECK_DEPTH);
  if (bytes < 0) return false;
  // The fields' checked texts are taken, as `encodeFields` takes them: the payload is written
  // as it is now, and a later event holding the same object (changed since, maybe) is checked.
  for (const key in record) {
    const field = (record as Record<string, unknown>)[key];
    if (typeof field === 'object' && field !== null) checkedTexts.delete(field);
  }
  return bytes <= maxBytes;
}

/**
 * At least as many bytes as the JSON text of `value` takes, looking at most `depth` levels
 * down; -1 when it is not plain JSON a binary encoding reads back as JSON (see `fitsBinaryAt`),
 * is deeper than `depth` (or a cycle), or has an inherited enumerable key.
 */
function mostJsonBytes(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      return value.isWellFormed() ? value.length * MAX_BYTES_PER_CHAR + 2 : -1;
    case 'boolean':
      return 5;
    case 'number':
      return Number.isFinite(value) ? MAX_NUMBER_BYTES : -1;
    case 'object':
      break;
    default:
      return -1;
  }
  if (value === null) return 4;
  if (depth === 0) return -1;
  let bytes = 2;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      if (!(index in value)) return -1;
      const element = mostJsonBytes(value[index], depth - 1);
      if (element < 0) return -1;
      bytes += element + 1;
    }
    return bytes;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return -1;
  if (Object.getOwnPropertySymbols(value).length > 0) return -1;
  for (const key in value) {
    if (key === '__proto__' || !Object.hasOwn(value, key) || !key.isWellFormed()) return -1;
    const field = mostJsonBytes((value as Record<string, unknown>)[key], depth - 1);
    if (field < 0) return -1;
    // The key's text, its quotes, the colon and a comma.
    bytes += key.length * MAX_BYTES_PER_CHAR + 4 + field;
  }
  return bytes;
}

/** What one walk of an object's fields found (see `fieldsVerdict`). */
const PLAIN = 0;
const HOLDS_CHECKED = 1;
const CAREFUL = 2;

/**
 * One walk of a record's fields (an event's, as stores append them) that tells the two quick
 * cases apart: `PLAIN`, every field plain JSON and none a checked payload (its text is then
 * `JSON.stringify`'s), or `HOLDS_CHECKED`, a field is a payload `checkPayload` returned. Anything
 * else (a bad, cyclic or very deep field met first) is `CAREFUL`: the slower checks decide and
 * name the path. It replaces a walk looking for checked payloads followed by the quick check
 * walking the same fields again.
 */
function fieldsVerdict(record: object): number {
  const proto = Object.getPrototypeOf(record);
  if ((proto !== Object.prototype && proto !== null) || Object.getOwnPropertySymbols(record).length > 0) {
    return CAREFUL;
  }
  for (const key in record) {
    const field = (record as Record<string, unknown>)[key];
    if (typeof field === 'object' && field !== null) {
      if (checkedTexts.has(field)) return HOLDS_CHECKED;
      if (!isPlainJson(field, QUICK_CHECK_DEPTH - 1)) return CAREFUL;
    } else if (!isPlainJson(field, 0)) {
      return CAREFUL;
    }
  }
  return PLAIN;
}

/** Whether a field of `record` is a payload `checkPayload` returned and no event has taken yet. */
function holdsCheckedPayload(record: object): boolean {
  for (const key in record) {
    const value = (record as Record<string, unknown>)[key];
    if (typeof value === 'object' && value !== null && checkedTexts.has(value)) return true;
  }
  return false;
}

/**
 * `encodeChecked` of an object (an event) written field by field: a field that is a checked
 * payload gives its text as it was checked, and every other field is checked here. The text is
 * the one `JSON.stringify` makes (`for in` walks own keys in its order).
 */
function encodeFields(
  record: Record<string, unknown>,
  base: string,
  index: number,
  maxBytes = DEFAULT_MAX_PAYLOAD_BYTES,
): string {
  const proto = Object.getPrototypeOf(record);
  if ((proto !== Object.prototype && proto !== null) || Object.getOwnPropertySymbols(record).length > 0) {
    return encodeChecked(record, base, index, maxBytes);
  }
  // The pieces are joined once, into one flat string: appending them one by one made a chain of
  // string pieces per field, and writing the text into a frame then flattened it into a copy.
  const pieces: string[] = [];
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const value = record[key];
    let field = typeof value === 'object' && value !== null ? checkedTexts.get(value) : undefined;
    if (field === undefined) {
      if (!isPlainJson(value, QUICK_CHECK_DEPTH)) assertJson(value, base, [index, key], [record]);
      field = JSON.stringify(value);
    } else {
      // Taken once: a later event holding the same object (changed since, maybe) is checked.
      checkedTexts.delete(value as object);
    }
    pieces.push(pieces.length === 0 ? '{' : ',', keyLabel(key), field);
  }
  pieces.push(pieces.length === 0 ? '{}' : '}');
  return withinLimit(pieces.join(''), base, index, maxBytes);
}

/** Field names as JSON strings followed by a colon, made once each: events have a few dozen field names. */
const keyLabels = new Map<string, string>();
const MAX_KEY_LABELS = 256;

function keyLabel(key: string): string {
  let quoted = keyLabels.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (keyLabels.size < MAX_KEY_LABELS) keyLabels.set(key, quoted);
  }
  return quoted;
}

const segmentsAt = (index: number | undefined): Segments => (index === undefined ? [] : [index]);

/**
 * The one check of a payload size limit option (`maxPayloadBytes` of the engine and the stores):
 * a positive whole number of bytes. 0, a negative or a fractional limit would refuse every
 * payload, or none, silently.
 */
export function checkPayloadLimit(maxBytes: unknown, argument = 'maxPayloadBytes'): number | undefined {
  if (maxBytes === undefined) return undefined;
  if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new InvalidArgumentError(argument, `${String(maxBytes)} must be a positive whole number of bytes`);
  }
  return maxBytes;
}

/** The deepest nesting of arrays and objects a payload may have. */
const MAX_PAYLOAD_DEPTH = 1000;

/** How deep the quick check looks; anything deeper (or a cycle) gets the careful one. */
const QUICK_CHECK_DEPTH = 64;

function encodeChecked(
  value: unknown,
  base: string,
  index: number | undefined,
  maxBytes = DEFAULT_MAX_PAYLOAD_BYTES,
) {
  if (!isPlainJson(value, QUICK_CHECK_DEPTH)) {
    assertJson(value, base, segmentsAt(index), []);
  }
  return withinLimit(JSON.stringify(value), base, index, maxBytes);
}

/** `text`, unless it is over `maxBytes` bytes of UTF-8. */
function withinLimit(text: string, base: string, index: number | undefined, maxBytes: number): string {
  // Byte length is at most 3 × UTF-16 length; measure exactly only near the limit.
  if (text.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > maxBytes)
      throw new PayloadError(
        pathOf(base, segmentsAt(index)),
        `is ${bytes} bytes of JSON, over the limit of ${maxBytes}`,
      );
  }
  return text;
}

/** Parses JSON text written by `encodePayload`. `JSON.parse` defines `__proto__` as an own key. */
export function decodePayload(text: string): JsonValue {
  return JSON.parse(text) as JsonValue;
}

/**
 * Whether `value` is plain JSON, looking at most `depth` levels down. It keeps no path and no
 * list of ancestors, so checking what stores append every time allocates nothing; when it says
 * no (a bad value, a cycle, or a payload deeper than `depth`), `assertJson` decides and names
 * the path.
 */
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth === 0) return false;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      if (!(index in value) || !isPlainJson(value[index], depth - 1)) return false;
    }
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  if (Object.getOwnPropertySymbols(value).length > 0) return false;
  // No own-key test per key: an inherited enumerable key (a polluted Object.prototype) is
  // checked too, so a yes still holds for the own keys, and a no goes to `assertJson`.
  for (const key in value) {
    if (!isPlainJson((value as Record<string, unknown>)[key], depth - 1)) return false;
  }
  return true;
}

function assertJson(value: unknown, base: string, segments: Segments, ancestors: object[]): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value))
        throw new PayloadError(pathOf(base, segments), `${value} is not a finite number`);
      return;
    case 'undefined':
      throw new PayloadError(pathOf(base, segments), 'undefined is not JSON (use null)');
    case 'bigint':
      throw new PayloadError(pathOf(base, segments), 'a BigInt is not JSON (encode it as a string)');
    case 'function':
      throw new PayloadError(pathOf(base, segments), 'a function is not JSON');
    case 'symbol':
      throw new PayloadError(pathOf(base, segments), 'a symbol is not JSON');
  }
  if (value === null) return;
  if (ancestors.length >= MAX_PAYLOAD_DEPTH) {
    // Checked before recursing further: deeper, this walk (and JSON.stringify) would overflow
    // the stack with a plain RangeError instead of naming the value.
    throw new PayloadError(
      `${pathOf(base, segments.slice(0, 8))}…`,
      `nests deeper than ${MAX_PAYLOAD_DEPTH} levels`,
    );
  }
  const object = value as object;
  if (ancestors.includes(object)) {
    throw new PayloadError(pathOf(base, segments), 'is a cycle (refers back to an enclosing value)');
  }
  ancestors.push(object);
  if (Array.isArray(object)) {
    for (let index = 0; index < object.length; index++) {
      segments.push(index);
      if (!(index in object)) throw new PayloadError(pathOf(base, segments), 'is a hole in a sparse array');
      assertJson(object[index], base, segments, ancestors);
      segments.pop();
    }
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (proto as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
      throw new PayloadError(pathOf(base, segments), `a ${kind} is not a plain JSON object`);
    }
    if (Object.getOwnPropertySymbols(object).length > 0) {
      throw new PayloadError(pathOf(base, segments), 'has symbol keys');
    }
    // `for in` walks the object's enumerable keys without making an array of them; the
    // prototype is Object.prototype or null, so own keys are checked for.
    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue;
      segments.push(key);
      assertJson((object as Record<string, unknown>)[key], base, segments, ancestors);
      segments.pop();
    }
  }
  ancestors.pop();
}

/** A deep copy of a JSON value; scalars are shared, as nobody can change them. */
export function copyJson(value: JsonValue): JsonValue {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyJson);
  // Object.fromEntries defines each key as an own property, so a `__proto__` key stays a key.
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, copyJson(item)]));
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
