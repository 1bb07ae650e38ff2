// Files LMDB would map and fault on, refused before it sees them: a data.mdb or lock.mdb that is
// no regular file (linked to /dev/null, a directory, a pipe), and a mapSize no platform reserves.
// Each open runs in a child process: before the fix each of these ended it with SIGSEGV.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { openInChild } from './open-in-child.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('special-files');
afterAll(() => dirs.removeAll());

it.each([
  [
    'data.mdb linked to /dev/null',
    'data.mdb',
    (file: string) => symlinkSync('/dev/null', file),
    'a character device',
  ],
  [
    'lock.mdb linked to /dev/null',
    'lock.mdb',
    (file: string) => symlinkSync('/dev/null', file),
    'a character device',
  ],
  ['data.mdb that is a directory', 'data.mdb', (file: string) => mkdirSync(file), 'a directory'],
])('%s is refused with StoreUnavailableError naming the file', (_, name, make, kind) => {
  const path = dirs.make();
  make(join(path, name));
  const outcome = openInChild(path);
  expect(outcome).toMatchObject({ opened: false, name: 'StoreUnavailableError', code: 'store_unavailable' });
  expect(outcome.message).toContain(`${join(path, name)} is ${kind}`);
});

it('a mapSize over 16 TiB (1e14) is refused with InvalidArgumentError; 16 TiB itself opens', () => {
  const refused = openInChild(join(dirs.make(), 'huge'), 1e14);
  expect(refused).toMatchObject({ opened: false, code: 'invalid_argument' });
  expect(refused.message).toMatch(/options\.mapSize: 100000000000000 bytes is more than the 17592186044416/);
  expect(openInChild(join(dirs.make(), 'largest'), 2 ** 44)).toEqual({ opened: true, events: 0 });
});
