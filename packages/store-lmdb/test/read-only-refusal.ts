import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from '@jest/globals';
import { StoreFormatError } from '@reprise/core';
import { FORMAT_VERSION, openLmdbStore } from '../src/index.js';

/**
 * Opens a store of an older format read-only and checks the refusal every migrating format
 * gets: `StoreFormatError` naming the version found and saying to run `reprise migrate`, with
 * the data file left byte for byte as it was.
 */
export function expectReadOnlyRefusal(path: string, found: number): void {
  const before = readFileSync(join(path, 'data.mdb'));
  let error: unknown;
  try {
    openLmdbStore({ path, readOnly: true });
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(StoreFormatError);
  expect(error).toMatchObject({ code: 'store_format_unsupported', found, supported: FORMAT_VERSION });
  expect((error as Error).message).toMatch(new RegExp(`format version ${found}.*\`reprise migrate\``));
  expect(readFileSync(join(path, 'data.mdb')).equals(before)).toBe(true);
}
