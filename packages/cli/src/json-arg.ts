import type { JsonValue } from '@reprise/core';
import { CliError } from './errors.js';

/** Parses a JSON argument, naming it in the one-line error when it is not JSON. */
export function parseJsonArgument(what: string, text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new CliError('usage', `${what} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Parses `--attr key=value` pairs. The value is read as JSON when it parses (`n=3`,
 * `vip=true`, `tags=["a"]`) and as a string otherwise (`customer=ada`).
 */
export function parseAttributes(pairs: readonly string[]): Record<string, JsonValue> {
  const attributes: Record<string, JsonValue> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError('usage', `--attr ${JSON.stringify(pair)} must look like key=value`);
    const key = pair.slice(0, at);
    const raw = pair.slice(at + 1);
    let value: JsonValue = raw;
    try {
      value = JSON.parse(raw) as JsonValue;
    } catch {
      // a bare word is a string
    }
    attributes[key] = value;
  }
  return attributes;
}
