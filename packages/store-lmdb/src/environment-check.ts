import { join } from 'node:path';
import { StoreCorruption } from '@reprise/core';
import { NO_PAGE, readCurrentMeta, readFileHead } from './lmdb-file-layout.js';

/*
 * LMDB maps its data file into memory and trusts what it finds there: a file whose meta pages
 * are damaged, or that ends before the pages they point to, faults the whole process in
 * lmdb-js's native code (SIGSEGV, SIGBUS) instead of failing the open. So the few bytes that
 * decide where LMDB will read are checked here, with plain file reads (`lmdb-file-layout.ts`
 * holds the layout), before LMDB sees the file. The whole tree is not walked here: that is
 * `walkDataFile` (`page-walk.ts`), too slow for every open of a large file.
 */

/**
 * Refuses, before LMDB maps it, a data file (`<path>/data.mdb`) that would crash the process:
 * one too short to hold its two meta pages, a meta page without LMDB's magic number and data
 * version, a page size LMDB does not use, or a file that ends before a root page its current
 * meta page points to, as a truncated copy does. Throws `StoreCorruption`
 * whose key is the file and whose message says what is wrong. A missing or empty file passes:
 * LMDB creates a new environment there. A file this cannot read passes too, for LMDB's open
 * to report as it does.
 *
 * Both meta pages must carry the magic and version, since LMDB writes them once, when it
 * creates the file, and picks the newer meta page by its transaction id alone: a meta page
 * without them is damaged, and LMDB might trust the rest of it. A file cut short past its roots
 * but before other pages in use still faults LMDB when it reads them: only walking every tree
 * would find that, which an open cannot afford.
 */
export function checkEnvironmentFile(path: string): void {
  const file = join(path, 'data.mdb');
  const bytes = readFileHead(file);
  if (bytes === undefined || bytes.head.length === 0) return;
  const corrupt = (what: string) => new StoreCorruption(file, `${what}; LMDB cannot open this file`);
  const reading = readCurrentMeta(bytes.head);
  if ('problem' in reading) throw corrupt(reading.problem);
  const current = reading.meta;
  const pagesInFile = BigInt(Math.floor(bytes.fileSize / current.pageSize));
  for (const root of [current.freeDb.root, current.mainDb.root]) {
    if (root === NO_PAGE) continue;
    if (root > current.lastPage) {
      throw corrupt(
        `meta page ${current.pageNumber} names root page ${root}, past its last page ${current.lastPage}`,
      );
    }
    // Not the last page: LMDB allows the file to end before it when the pages past the end
    // are free. A root is written by the commit that made it, so it is always in the file.
    if (root >= pagesInFile) {
      throw corrupt(
        `meta page ${current.pageNumber} names root page ${root}, but the file ends after ` +
          `${pagesInFile} pages of ${current.pageSize} bytes (${bytes.fileSize} bytes): it is cut short`,
      );
    }
  }
}
