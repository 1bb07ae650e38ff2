// A path that is a file, or that runs through a file, is refused with InvalidArgumentError
// naming options.path, and the file is left as it was.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@reprise/core';
import { openLmdbStore } from '../src/index.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('path-is-a-file');
afterAll(() => dirs.removeAll());

it('refuses a path that is a file', () => {
  const file = join(dirs.make(), 'notes.txt');
  writeFileSync(file, 'keep me');
  expect(() => openLmdbStore({ path: file })).toThrow(InvalidArgumentError);
  expect(() => openLmdbStore({ path: file })).toThrow(/options\.path: .*is a file/);
  expect(readFileSync(file, 'utf8')).toBe('keep me');
});

it('refuses a path under a file', () => {
  const file = join(dirs.make(), 'notes.txt');
  writeFileSync(file, 'keep me');
  const error = (() => {
    try {
      openLmdbStore({ path: join(file, 'store') });
    } catch (caught) {
      return caught;
    }
  })();
  expect(error).toBeInstanceOf(InvalidArgumentError);
  expect(error).toMatchObject({ code: 'invalid_argument', argument: 'options.path' });
  expect(readFileSync(file, 'utf8')).toBe('keep me');
});

it('treats a path with a dot as a directory, not as a file name', async () => {
  const path = join(dirs.make(), 'orders.lmdb');
  const store = openLmdbStore({ path, noSync: true });
  await store.close();
  expect(readFileSync(join(path, 'data.mdb')).length).toBeGreaterThan(0);
});

it('refuses bad options with InvalidArgumentError naming them', () => {
  expect(() => openLmdbStore({ path: '' })).toThrow(/options\.path/);
  expect(() => openLmdbStore({ path: dirs.make(), mapSize: -1 })).toThrow(/options\.mapSize/);
  expect(() => openLmdbStore({ path: dirs.make(), maxPayloadBytes: 1.5 })).toThrow(
    /options\.maxPayloadBytes/,
  );
});
