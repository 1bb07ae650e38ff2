import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/*
 * The on-disk layout of the LMDB that lmdb-js 3 builds (its vendored
 * `dependencies/lmdb/libraries/liblmdb/mdb.c`; data version 2), on a 64-bit little-endian
 * platform, read with plain file reads: LMDB maps its data file and trusts what it finds there,
 * so the checks that keep a damaged file from faulting the process must not go through it.
 * The environment check (before every open) and the page walker (`reprise verify`) read it here.
 *
 * Every page starts with a 24-byte header, `MDB_page_header`:
 *   pgno (uint64) | txnid (uint64; lmdb-js's addition) | pad (uint16; key size of a LEAF2
 *   page) | flags (uint16) | lower, upper (uint16 each; bounds of the free space, counted from
 *   the end of the header) — or, on an overflow page, the number of pages (uint32) in their place.
 * Pages 0 and 1 are the two meta pages: the header, then `MDB_meta`: magic (uint32), version
 * (uint32), mm_address (8), mm_mapsize (8), mm_dbs[2] (the free-page and main databases' `MDB_db`
 * records, 48 bytes each), mm_last_pg (uint64), mm_txnid (uint64). An `MDB_db` record is
 * md_pad (uint32; the page size in the free-page db's), md_flags (uint16), md_depth (uint16),
 * branch, leaf and overflow page counts, entries and the root page (uint64 each).
 */
export const PAGE_HEADER_BYTES = 24;
export const PAGE_NUMBER_AT = 0;
/** The txnid of the commit that wrote the page (lmdb-js's LMDB sets it when it flushes a page). */
export const PAGE_TXNID_AT = 8;
export const PAGE_PAD_AT = 16;
export const PAGE_FLAGS_AT = 18;
export const PAGE_LOWER_AT = 20;
export const PAGE_UPPER_AT = 22;
/** An overflow page's page count, where other pages keep their bounds. */
export const OVERFLOW_PAGES_AT = 20;

/** Page flags (`mp_flags`). */
export const P_BRANCH = 0x01;
export const P_LEAF = 0x02;
export const P_OVERFLOW = 0x04;
export const P_META = 0x08;
export const P_LEAF2 = 0x20;
export const P_SUBP = 0x40;

/** The size of an `MDB_db` record, in a meta page or in a named database's node. */
export const DB_RECORD_BYTES = 48;

const MAGIC_AT = PAGE_HEADER_BYTES; // uint32 mm_magic
const VERSION_AT = PAGE_HEADER_BYTES + 4; // uint32 mm_version (its low 16 bits)
const DBS_AT = PAGE_HEADER_BYTES + 24;
const PAGE_SIZE_AT = DBS_AT; // mm_psize is mm_dbs[FREE_DBI].md_pad
const LAST_PAGE_AT = DBS_AT + 2 * DB_RECORD_BYTES; // pgno_t mm_last_pg
const TXNID_AT = LAST_PAGE_AT + 8; // txnid_t mm_txnid
/** The bytes of a meta page read here. */
export const META_BYTES = TXNID_AT + 8;

const LMDB_MAGIC = 0xbeefc0de;
const LMDB_DATA_VERSION = 2;
const MIN_PAGE_SIZE = 256;
export const MAX_PAGE_SIZE = 0x10000;
/** `P_INVALID`: the root of an empty database. */
export const NO_PAGE = 0xffff_ffff_ffff_ffffn;

/** An `MDB_db` record: one B-tree and what LMDB counts of it. */
export interface DbRecord {
  readonly flags: number;
  readonly depth: number;
  readonly branchPages: bigint;
  readonly leafPages: bigint;
  readonly overflowPages: bigint;
  readonly entries: bigint;
  /** `NO_PAGE` for an empty database. */
  readonly root: bigint;
}

/** What one meta page says. */
export interface MetaPage {
  readonly pageNumber: 0 | 1;
  readonly pageSize: number;
  readonly lastPage: bigint;
  readonly txnId: bigint;
  readonly freeDb: DbRecord;
  readonly mainDb: DbRecord;
}

/** The meta page LMDB opens, or what keeps LMDB from opening the file at all. */
export type MetaReading = { readonly meta: MetaPage } | { readonly problem: string };

/** Reads the `MDB_db` record at `at`. */
export function readDbRecord(bytes: Buffer, at: number): DbRecord {
  return {
    flags: bytes.readUInt16LE(at + 4),
    depth: bytes.readUInt16LE(at + 6),
    branchPages: bytes.readBigUInt64LE(at + 8),
    leafPages: bytes.readBigUInt64LE(at + 16),
    overflowPages: bytes.readBigUInt64LE(at + 24),
    entries: bytes.readBigUInt64LE(at + 32),
    root: bytes.readBigUInt64LE(at + 40),
  };
}

/**
 * The file's first bytes (up to two of the largest pages) and then its size, or undefined when
 * the file is missing or cannot be read. The size is taken after the read: LMDB writes a
 * commit's pages before the meta page that points to them, and never shrinks the file, so a meta
 * page read here never points past the size taken after it, even while another process commits.
 */
export function readFileHead(file: string): { head: Buffer; fileSize: number } | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    return readHead(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** `readFileHead` on an open file; throws the system's error when a read fails. */
export function readHead(fd: number): { head: Buffer; fileSize: number } {
  const head = Buffer.alloc(2 * MAX_PAGE_SIZE);
  let filled = 0;
  while (filled < head.length) {
    const read = readSync(fd, head, filled, head.length - filled, filled);
    if (read === 0) break;
    filled += read;
  }
  return { head: head.subarray(0, filled), fileSize: fstatSync(fd).size };
}

/**
 * The current meta page of a data file whose first bytes are `head` (not empty): the one with
 * the newer transaction id, ties going to page 0, as LMDB picks it. Both meta pages must carry
 * LMDB's magic and data version and agree on the page size, since LMDB writes those once, when
 * it creates the file: a meta page without them is damaged, and LMDB might trust the rest of it.
 */
export function readCurrentMeta(head: Buffer): MetaReading {
  if (head.length < META_BYTES) {
    return { problem: `the file has ${head.length} bytes, too few for LMDB's first meta page` };
  }
  const first = readMetaPage(head, 0);
  if ('problem' in first) return first;
  const { pageSize } = first.meta;
  if (head.length < 2 * pageSize) {
    return {
      problem: `the file has ${head.length} bytes, too few for LMDB's two meta pages of ${pageSize} bytes`,
    };
  }
  const second = readMetaPage(head.subarray(pageSize), 1);
  if ('problem' in second) return second;
  if (second.meta.pageSize !== pageSize) {
    return { problem: `the meta pages disagree on the page size (${pageSize} and ${second.meta.pageSize})` };
  }
  return second.meta.txnId > first.meta.txnId ? second : first;
}

function readMetaPage(page: Buffer, pageNumber: 0 | 1): MetaReading {
  const where = `meta page ${pageNumber}`;
  const magic = page.readUInt32LE(MAGIC_AT);
  if (magic !== LMDB_MAGIC) {
    return { problem: `${where} has magic 0x${hex(magic)}, not LMDB's 0x${hex(LMDB_MAGIC)}` };
  }
  const version = page.readUInt32LE(VERSION_AT) & 0xffff;
  if (version !== LMDB_DATA_VERSION) {
    return { problem: `${where} has data version ${version}; this LMDB reads version ${LMDB_DATA_VERSION}` };
  }
  if ((page.readUInt16LE(PAGE_FLAGS_AT) & P_META) === 0) {
    return { problem: `page ${pageNumber} is not marked as a meta page` };
  }
  const pageSize = page.readUInt32LE(PAGE_SIZE_AT);
  const powerOfTwo = (pageSize & (pageSize - 1)) === 0;
  if (!powerOfTwo || pageSize < MIN_PAGE_SIZE || pageSize > MAX_PAGE_SIZE) {
    return { problem: `${where} gives a page size of ${pageSize} bytes, which LMDB never uses` };
  }
  return {
    meta: {
      pageNumber,
      pageSize,
      lastPage: page.readBigUInt64LE(LAST_PAGE_AT),
      txnId: page.readBigUInt64LE(TXNID_AT),
      freeDb: readDbRecord(page, DBS_AT),
      mainDb: readDbRecord(page, DBS_AT + DB_RECORD_BYTES),
    },
  };
}

const hex = (value: number) => value.toString(16).padStart(8, '0');
