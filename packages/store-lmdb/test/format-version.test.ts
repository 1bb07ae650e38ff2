// A store written by another format (a newer one, or format 1, 2 or 3), or a foreign LMDB
// environment, is refused with StoreFormatError and left byte for byte as it was.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, expect, it } from '@jest/globals';
import { StoreFormatError } from '@reprise/core';
import { open, type RootDatabase } from 'lmdb';
import { FORMAT_VERSION, openLmdbStore } from '../src/index.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('format');
afterAll(() => dirs.removeAll());

const frame = (json: string) => crc32(json).toString(16).padStart(8, '0') + json;

/**
 * Creates a store at `path`, then, through a raw environment, replaces its format record with
 * `json` and lets `alsoWrite` write what else that format kept.
 */
async function storeWithFormat(path: string, json: string, alsoWrite?: (raw: RootDatabase) => void) {
  await openLmdbStore({ path, noSync: true }).close();
  const raw = open({ path, encoding: 'binary', maxDbs: 32 });
  raw.openDB('meta', { encoding: 'binary' }).putSync('format', frame(json));
  alsoWrite?.(raw);
  await raw.close();
}

/** What opening the store at `path` throws (undefined if it opens). */
function openingError(path: string): unknown {
  try {
    openLmdbStore({ path, noSync: true });
  } catch (caught) {
    return caught;
  }
  return undefined;
}

it('writes the format record on creation and opens it again', async () => {
  const path = dirs.make();
  await openLmdbStore({ path, noSync: true }).close();
  const raw = open({ path, maxDbs: 32 });
  const meta = raw.openDB('meta', { encoding: 'string' });
  const stored = meta.get('format') as string;
  expect(JSON.parse(stored.slice(8))).toEqual({
    format: 'reprise-lmdb-store',
    version: FORMAT_VERSION,
  });
  await raw.close();
  await openLmdbStore({ path, noSync: true }).close();
});

it('refuses a newer format and does not rewrite it', async () => {
  const path = dirs.make();
  await storeWithFormat(path, '{"format":"reprise-lmdb-store","version":99}');
  const before = readFileSync(join(path, 'data.mdb'));

  const error = openingError(path);
  expect(error).toBeInstanceOf(StoreFormatError);
  expect(error).toMatchObject({ code: 'store_format_unsupported', found: 99, supported: FORMAT_VERSION });
  expect((error as Error).message).toMatch(/format version 99.*will not rewrite/);
  expect(readFileSync(join(path, 'data.mdb')).equals(before)).toBe(true);
});

it.each([
  [1, 'workflow records without versions'],
  [2, 'workflow records holding the last seq, versioned by it'],
  [3, 'a counts database beside the indexes'],
])('refuses format %i (%s) instead of misreading it', async (version) => {
  const path = dirs.make();
  await storeWithFormat(path, `{"format":"reprise-lmdb-store","version":${version}}`, (raw) => {
    // Formats 1 to 3 kept a count per index value in a database of their own.
    raw.openDB('counts', { encoding: 'msgpack' }).putSync(['list'], 1);
  });
  const before = readFileSync(join(path, 'data.mdb'));
  const error = openingError(path);
  expect(error).toBeInstanceOf(StoreFormatError);
  expect(FORMAT_VERSION).toBe(8);
  expect(error).toMatchObject({ code: 'store_format_unsupported', found: version, supported: 8 });
  expect((error as Error).message).toMatch(
    new RegExp(`format version ${version};.* reads format 8 only and will not rewrite it`),
  );
  expect(readFileSync(join(path, 'data.mdb')).equals(before)).toBe(true);
});

it('refuses an LMDB environment that is not a store', async () => {
  const path = dirs.make();
  const raw = open({ path, maxDbs: 32 });
  raw.putSync('someone-else', { data: 1 });
  await raw.close();
  expect(() => openLmdbStore({ path, noSync: true })).toThrow(StoreFormatError);
  const again = open({ path, maxDbs: 32 });
  expect(again.get('someone-else')).toEqual({ data: 1 });
  expect([...again.getKeys({})]).toEqual(['someone-else']);
  await again.close();
});
