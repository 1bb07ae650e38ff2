import { SearchAttributeError } from './errors.js';
import type { SearchAttributes } from './events.js';
import type { JsonValue } from './payload.js';

/** The value types a search attribute can be declared with (Temporal's names). */
export type SearchAttributeType = 'keyword' | 'text' | 'int' | 'double' | 'bool' | 'datetime' | 'keywordList';

/** Declared search attributes: name → type. */
export type SearchAttributeSchema = Readonly<Record<string, SearchAttributeType>>;

/** The largest epoch ms a JavaScript Date can hold. */
const MAX_DATE_MS = 8.64e15;

const SEARCH_ATTRIBUTE_TYPES: readonly SearchAttributeType[] = [
  'keyword',
  'text',
  'int',
  'double',
  'bool',
  'datetime',
  'keywordList',
];

/** Refuses a schema that names an unknown type. */
export function checkSearchAttributeSchema(schema: unknown): SearchAttributeSchema {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new SearchAttributeError('(schema)', 'the schema must be an object of name → type');
  }
  for (const [name, type] of Object.entries(schema)) {
    if (!SEARCH_ATTRIBUTE_TYPES.includes(type as SearchAttributeType)) {
      throw new SearchAttributeError(
        name,
        `unknown type ${JSON.stringify(type)}; one of ${SEARCH_ATTRIBUTE_TYPES.join(', ')}`,
      );
    }
  }
  return schema as SearchAttributeSchema;
}

/**
 * Checks attribute values against the schema and returns them normalised: a `datetime` given
 * as a Date, epoch ms or ISO string becomes an ISO-8601 UTC string (which sorts by time).
 * `null` clears an attribute. Throws `SearchAttributeError` naming the attribute.
 */
export function validateSearchAttributes(
  schema: SearchAttributeSchema,
  attributes: unknown,
): SearchAttributes {
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
    throw new SearchAttributeError('(all)', 'search attributes must be an object of name → value');
  }
  const normalized: Record<string, JsonValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const type = Object.hasOwn(schema, name) ? schema[name] : undefined;
    if (!type) {
      const known = Object.keys(schema);
      throw new SearchAttributeError(
        name,
        `is not declared; declared: ${known.length ? known.join(', ') : '(none: pass searchAttributes to Engine.create)'}`,
      );
    }
    // Defined, not assigned: `normalized.__proto__ = v` would set the prototype and drop the
    // attribute; a name that came in as an own key stays one.
    Object.defineProperty(normalized, name, {
      value: value === null ? null : normalizeValue(name, type, value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return normalized;
}

function normalizeValue(name: string, type: SearchAttributeType, value: unknown): JsonValue {
  const wrong = (expected: string) =>
    new SearchAttributeError(name, `${describe(value)} is not a valid ${type} (expected ${expected})`);
  switch (type) {
    case 'keyword':
    case 'text':
      if (typeof value !== 'string') throw wrong('a string');
      return value;
    case 'int':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw wrong('a safe integer');
      return value;
    case 'double':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw wrong('a finite number');
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw wrong('true or false');
      return value;
    case 'datetime': {
      const time =
        value instanceof Date
          ? value.getTime()
          : typeof value === 'number'
            ? value
            : typeof value === 'string'
              ? Date.parse(value)
              : Number.NaN;
      if (!Number.isFinite(time) || Math.abs(time) > MAX_DATE_MS)
        throw wrong('a Date, epoch ms or an ISO-8601 string');
      return new Date(time).toISOString();
    }
    case 'keywordList':
      if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
        throw wrong('an array of strings');
      return [...(value as string[])];
  }
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
