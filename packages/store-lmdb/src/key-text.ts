/**
 * Strings as they go into LMDB keys.
 *
 * lmdb-js's ordered-binary keys compare strings by their UTF-8 bytes and use the NUL byte to
 * separate the parts of an array key. The list order and the timer order compare strings by
 * UTF-16 code units (JavaScript's `<`), which differs from UTF-8 byte order once characters
 * from U+E000 up meet surrogate pairs. `toKeyText` maps every UTF-16 code unit to a code point
 * such that byte order of the result is code-unit order of the input, and no NUL is left:
 *
 * - U+0000 → U+0001 U+0001, U+0001 → U+0001 U+0002 (an escape that keeps the order);
 * - U+0002 … U+D7FF → itself (so ordinary ids stay readable in the raw database);
 * - code units D800 … FFFF (surrogates included, paired or not) → that value + 0x800.
 *
 * The mapping is injective and monotone, so `fromKeyText` inverts it and prefixes stay prefixes.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the range starts at U+0002 on purpose.
const PLAIN = /^[\u0002-\ud7ff]*$/;

/** The key form of a string (see the module comment). */
export function toKeyText(text: string): string {
  if (PLAIN.test(text)) return text;
  let key = '';
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit === 0) key += '\u0001\u0001';
    else if (unit === 1) key += '\u0001\u0002';
    else if (unit < 0xd800) key += text[index];
    else key += String.fromCodePoint(unit + 0x800);
  }
  return key;
}

/** The string whose key form is `key`. */
export function fromKeyText(key: string): string {
  if (PLAIN.test(key)) return key;
  let text = '';
  for (let index = 0; index < key.length; ) {
    const point = key.codePointAt(index) as number;
    index += point > 0xffff ? 2 : 1;
    if (point === 1) text += key.charCodeAt(index++) === 1 ? '\u0000' : '\u0001';
    else if (point < 0xd800) text += String.fromCharCode(point);
    else text += String.fromCharCode(point - 0x800);
  }
  return text;
}

/**
 * The key form of at most the first `maxUnits` code units of `text`. Cutting keeps order
 * (a ≤ b implies cut(a) ≤ cut(b)), so an index keyed by cut values still serves range scans;
 * two values that share the cut prefix share an index entry, and the query checks each row.
 */
export function toKeyTextCut(text: string, maxUnits: number): string {
  return toKeyText(text.length > maxUnits ? text.slice(0, maxUnits) : text);
}

/** UTF-8 length of a key string: what LMDB's key size limit counts. */
export const keyTextBytes = (key: string): number => Buffer.byteLength(key, 'utf8');
