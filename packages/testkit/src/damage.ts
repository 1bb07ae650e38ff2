import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Damages a stored value of the LMDB store in `dir`, as a bad disk would: flips the last bit of
 * every occurrence of `marker` (text, as its UTF-8 bytes, or bytes) in `data.mdb` (LMDB copies
 * pages on write, so stale copies of a value may sit in free pages beside the live one). Writes
 * in place, never truncating, so it is safe while an engine has the environment open and mapped.
 * Returns how many it flipped, and throws if none: a test that damages nothing would pass for
 * the wrong reason.
 */
export function damageStoredValue(dir: string, marker: string | Uint8Array): number {
  const file = join(dir, 'data.mdb');
  const bytes = readFileSync(file);
  const needle = typeof marker === 'string' ? Buffer.from(marker) : marker;
  const fd = openSync(file, 'r+');
  let hits = 0;
  try {
    for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
      const position = at + needle.length - 1;
      writeSync(fd, Buffer.of((bytes[position] as number) ^ 0x01), 0, 1, position);
      hits++;
    }
  } finally {
    closeSync(fd);
  }
  if (hits === 0) {
    const named =
      typeof marker === 'string' ? JSON.stringify(marker) : `0x${Buffer.from(marker).toString('hex')}`;
    throw new Error(`${named} is not in ${file}: nothing was damaged`);
  }
  return hits;
}
