import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { StoreCorruption } from '@reprise/core';

/*
 * LMDB maps its data file into memory and trusts what it finds there: a file whose meta pages
 * are damaged, or that ends before the pages they point to, faults the whole process in
 * lmdb-js's native code (SIGSEGV, SIGBUS) instead of failing the open. So the few bytes that
 * decide where LMDB will read are checked here, with plain file reads, before LMDB sees the file.
 *
 * The layout read here is the one of the LMDB that lmdb-js 3 builds (its `mdb.c`; data
 * version 2), on a 64-bit platform. Pages 0 and 1 are the two meta pages; each starts with a
 * 24-byte page header (page number, txnid, pad, flags, lower/upper bounds), then `MDB_meta`:
 */
const PAGE_HEADER_BYTES = 24;
const PAGE_FLAGS_AT = 18;
/** `P_META` in the page header's flags. */
const P_META = 0x08;
const MAGIC_AT = PAGE_HEADER_BYTES; // uint32 mm_magic
const VERSION_AT = PAGE_HEADER_BYTES + 4; // uint32 mm_version (its low 16 bits)
// mm_address (8), mm_mapsize (8), then mm_dbs[2], 48 bytes each: { md_pad (uint32; the page
// size in the free-space db), md_flags, md_depth, branch, leaf, overflow, entries, md_root }.
const DBS_AT = PAGE_HEADER_BYTES + 24;
const DB_BYTES = 48;
const ROOT_IN_DB_AT = 40;
const PAGE_SIZE_AT = DBS_AT; // mm_psize is mm_dbs[FREE_DBI].md_pad
const FREE_ROOT_AT = DBS_AT + ROOT_IN_DB_AT;
const MAIN_ROOT_AT = DBS_AT + DB_BYTES + ROOT_IN_DB_AT;
const LAST_PAGE_AT = DBS_AT + 2 * DB_BYTES; // pgno_t mm_last_pg
const TXNID_AT = LAST_PAGE_AT + 8; // txnid_t mm_txnid
/** The bytes of a meta page this check reads. */
const META_BYTES = TXNID_AT + 8;

const LMDB_MAGIC = 0xbeefc0de;
const LMDB_DATA_VERSION = 2;
const MIN_PAGE_SIZE = 256;
const MAX_PAGE_SIZE = 0x10000;
/** `P_INVALID`: the root of an empty database. */
const NO_PAGE = 0xffff_ffff_ffff_ffffn;

/** What one meta page says, as far as this check needs it. */
interface MetaPage {
  readonly pageNumber: 0 | 1;
  readonly pageSize: number;
  readonly lastPage: bigint;
  readonly txnId: bigint;
  readonly roots: readonly bigint[];
}

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
  const bytes = readHead(file);
  if (bytes === undefined || bytes.head.length === 0) return;
  const { head, fileSize } = bytes;
  const corrupt = (what: string) => new StoreCorruption(file, `${what}; LMDB cannot open this file`);

  if (head.length < META_BYTES) {
    throw corrupt(`the file has ${head.length} bytes, too few for LMDB's first meta page`);
  }
  const first = readMeta(head, 0, corrupt);
  if (head.length < 2 * first.pageSize) {
    throw corrupt(
      `the file has ${head.length} bytes, too few for LMDB's two meta pages of ${first.pageSize} bytes`,
    );
  }
  const second = readMeta(head.subarray(first.pageSize), 1, corrupt);
  if (second.pageSize !== first.pageSize) {
    throw corrupt(`the meta pages disagree on the page size (${first.pageSize} and ${second.pageSize})`);
  }
  // LMDB opens the snapshot of the newer meta page (ties go to page 0).
  const current = second.txnId > first.txnId ? second : first;
  const pagesInFile = BigInt(Math.floor(fileSize / current.pageSize));
  for (const root of current.roots) {
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
          `${pagesInFile} pages of ${current.pageSize} bytes (${fileSize} bytes): it is cut short`,
      );
    }
  }
}

/**
 * The file's first bytes (up to two of the largest pages) and then its size. The size is taken
 * after the read: LMDB writes a commit's pages before the meta page that points to them, and
 * never shrinks the file, so a meta page read here never points past the size taken after it,
 * even while another process commits.
 */
function readHead(file: string): { head: Buffer; fileSize: number } | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined; // Missing (a new store) or unreadable (LMDB's open says why).
  }
  try {
    const head = Buffer.alloc(2 * MAX_PAGE_SIZE);
    let filled = 0;
    while (filled < head.length) {
      const read = readSync(fd, head, filled, head.length - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return { head: head.subarray(0, filled), fileSize: fstatSync(fd).size };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function readMeta(page: Buffer, pageNumber: 0 | 1, corrupt: (what: string) => Error): MetaPage {
  const where = `meta page ${pageNumber}`;
  const magic = page.readUInt32LE(MAGIC_AT);
  if (magic !== LMDB_MAGIC) {
    throw corrupt(`${where} has magic 0x${hex(magic)}, not LMDB's 0x${hex(LMDB_MAGIC)}`);
  }
  const version = page.readUInt32LE(VERSION_AT) & 0xffff;
  if (version !== LMDB_DATA_VERSION) {
    throw corrupt(`${where} has data version ${version}; this LMDB reads version ${LMDB_DATA_VERSION}`);
  }
  if ((page.readUInt16LE(PAGE_FLAGS_AT) & P_META) === 0) {
    throw corrupt(`page ${pageNumber} is not marked as a meta page`);
  }
  const pageSize = page.readUInt32LE(PAGE_SIZE_AT);
  const powerOfTwo = (pageSize & (pageSize - 1)) === 0;
  if (!powerOfTwo || pageSize < MIN_PAGE_SIZE || pageSize > MAX_PAGE_SIZE) {
    throw corrupt(`${where} gives a page size of ${pageSize} bytes, which LMDB never uses`);
  }
  return {
    pageNumber,
    pageSize,
    lastPage: page.readBigUInt64LE(LAST_PAGE_AT),
    txnId: page.readBigUInt64LE(TXNID_AT),
    roots: [page.readBigUInt64LE(FREE_ROOT_AT), page.readBigUInt64LE(MAIN_ROOT_AT)],
  };
}

const hex = (value: number) => value.toString(16).padStart(8, '0');
