/**
 * Strings as the store keeps them in key columns: UTF-16 code units, big-endian, as `bytea`.
 * PostgreSQL compares bytea bytewise, which is then JavaScript's `<` on the strings (the list
 * order and the timer order), and bytea holds what `text` cannot (NUL, lone surrogates).
 */
export function toKey(text: string): Buffer {
  const key = Buffer.from(text, 'utf16le');
  return key.swap16();
}

/** The string whose key is `key`. */
export function fromKey(key: Buffer): string {
  return Buffer.from(key).swap16().toString('utf16le');
}
