import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  DB_RECORD_BYTES,
  type DbRecord,
  type MetaPage,
  NO_PAGE,
  OVERFLOW_PAGES_AT,
  P_BRANCH,
  P_LEAF,
  P_LEAF2,
  P_META,
  P_OVERFLOW,
  P_SUBP,
  PAGE_FLAGS_AT,
  PAGE_HEADER_BYTES,
  PAGE_LOWER_AT,
  PAGE_NUMBER_AT,
  PAGE_PAD_AT,
  PAGE_TXNID_AT,
  PAGE_UPPER_AT,
  readCurrentMeta,
  readDbRecord,
  readHead,
} from './lmdb-file-layout.js';

/*
 * LMDB does not checksum its pages and trusts every byte it maps: a page number, a node offset
 * or a size damaged on disk makes it read outside the map (SIGSEGV, SIGBUS) or fail one of its
 * assertions (abort), which takes the whole process down. This walker reads the data file with
 * plain file reads, never through LMDB, from the current meta page through every B-tree LMDB
 * would read (the free-page database, the main database and every named database it holds,
 * with their overflow pages), and checks what such a crash would come from. It never writes.
 *
 * Layout (`mdb.c` of the LMDB lmdb-js 3 vendors; see `lmdb-file-layout.ts` for the page header):
 * - A branch or leaf page has `lower / 2` node offsets (uint16, counted from the end of the
 *   24-byte header) after its header; its nodes lie between `upper` and the page's end.
 * - `MDB_node`: lo, hi (uint16 each), flags (uint16), ksize (uint16), then the key and, on a
 *   leaf, the data. On a leaf, lo | hi << 16 is the data size; on a branch, lo | hi << 16 |
 *   flags << 32 is the child's page number.
 * - A leaf node with `F_BIGDATA` keeps its data on overflow pages: its data is an `MDB_ovpage`
 *   (page number, txnid, page count; uint64 each). The first overflow page has a header whose
 *   page count (uint32) sits where other pages keep their bounds.
 * - A leaf node with `F_SUBDATA` in the main database is a named database: its key is the name
 *   and its data an `MDB_db` record (48 bytes) whose root starts another tree. With `F_DUPDATA`
 *   too it is the tree of a key's sorted duplicates (`MDB_DUPSORT` databases; the store has none).
 * - The free-page database maps a txnid to a list of page numbers in lmdb-js's sparse form:
 *   a count (uint64), then that many slots, each 0 (empty), a page number, or a negative block
 *   length followed by the block's first page number.
 */

/** What `walkDataFile` found: how many pages it reached, and what is wrong with them. */
export interface PageWalkReport {
  /** Pages accounted for: the two meta pages, every tree and overflow page, and free pages. */
  readonly pages: number;
  /** One line per problem, naming the page and the database; at most `MAX_PROBLEMS`. */
  readonly problems: readonly string[];
}

/** The most problems a walk reports; it stops there. */
export const MAX_PROBLEMS = 100;

const F_BIGDATA = 0x01;
const F_SUBDATA = 0x02;
const F_DUPDATA = 0x04;
const MDB_DUPSORT = 0x04;
const MDB_DUPFIXED = 0x10;
const NODE_HEADER_BYTES = 8;
const OVPAGE_BYTES = 24;
const PAGE_KINDS = P_BRANCH | P_LEAF | P_OVERFLOW | P_META | P_LEAF2 | P_SUBP;
const FREE_DB = 'the free-page database';
const MAIN_DB = 'the main database';

/**
 * Walks the LMDB data file at `path` (a store directory, whose `data.mdb` is read, or the file
 * itself) and reports every structural problem that would make LMDB read outside its map or
 * fail an assertion: a page whose own number is not its position, a page kind that is not the
 * one its place in the tree calls for, bounds outside the page or crossed, a node or its key and
 * data outside the page, a child or overflow page past the meta page's last page or the file's
 * end, a tree deeper or shallower than its record's `md_depth`, a page reached twice, page and
 * entry counts that differ from the database's record, and free-page lists naming pages out of
 * range or in use. Under a damaged page nothing is walked (so what lies below it is neither
 * checked nor counted), and the walk stops at `MAX_PROBLEMS`.
 *
 * Reads each page once, with plain file reads; never throws for what the file holds (an
 * unreadable file is a problem too). Run it on a store no process is writing: pages another
 * process commits meanwhile may read as damage.
 */
export function walkDataFile(path: string): PageWalkReport {
  let file = path;
  let fd: number;
  try {
    if (statSync(path).isDirectory()) file = join(path, 'data.mdb');
    fd = openSync(file, 'r');
  } catch (error) {
    return { pages: 0, problems: [`cannot read ${file}: ${(error as Error).message}`] };
  }
  try {
    const { head, fileSize } = readHead(fd);
    if (head.length === 0) return { pages: 0, problems: [] }; // LMDB makes a new environment.
    const reading = readCurrentMeta(head);
    if ('problem' in reading) return { pages: 0, problems: [reading.problem] };
    return new PageWalk(fd, reading.meta, fileSize).run();
  } catch (error) {
    return { pages: 0, problems: [`cannot read ${file}: ${(error as Error).message}`] };
  } finally {
    closeSync(fd);
  }
}

/** A tree to walk: a database's record and how to name it. */
interface Tree {
  readonly name: string;
  readonly record: DbRecord;
  /**
   * `main`: its `F_SUBDATA` leaf nodes are named databases; `free`: its values are free-page
   * lists; `duplicates`: the sorted duplicates of one key of an `MDB_DUPSORT` database.
   */
  readonly role: 'free' | 'main' | 'named' | 'duplicates';
}

/** What a walk of one tree counted, to compare with its record. */
interface Counts {
  branch: number;
  leaf: number;
  overflow: number;
  entries: number;
  /** A problem was found in this tree: parts of it were not counted. */
  damaged: boolean;
}

/** Thrown inside a walk once it has `MAX_PROBLEMS` problems; caught by `run`. */
class StopWalk extends Error {}

class PageWalk {
  private readonly problems: string[] = [];
  private readonly pageSize: number;
  private readonly pagesInFile: number;
  private readonly lastPage: number;
  /** One byte per page a reference may name: 1 once a tree or overflow page is reached, 2 when free. */
  private readonly reached: Uint8Array;
  /** The one page buffer: a page's children and records are taken from it before the next read. */
  private readonly page: Buffer;
  private readonly header = Buffer.alloc(PAGE_HEADER_BYTES);
  private readonly trees: Tree[] = [];
  /** The free-page lists (the free database's values), checked once every tree is walked. */
  private readonly freeLists: { readonly at: string; readonly list: Buffer }[] = [];
  private pages = 2;

  constructor(
    private readonly fd: number,
    private readonly meta: MetaPage,
    fileSize: number,
  ) {
    this.pageSize = meta.pageSize;
    this.pagesInFile = Math.floor(fileSize / meta.pageSize);
    this.lastPage = toNumber(meta.lastPage);
    this.reached = new Uint8Array(Math.min(this.pagesInFile, this.lastPage + 1));
    this.page = Buffer.alloc(meta.pageSize);
  }

  run(): PageWalkReport {
    try {
      this.trees.push({ name: FREE_DB, record: this.meta.freeDb, role: 'free' });
      this.trees.push({ name: MAIN_DB, record: this.meta.mainDb, role: 'main' });
      for (let next = this.trees.shift(); next !== undefined; next = this.trees.shift()) this.walkTree(next);
      this.checkFreeLists();
    } catch (error) {
      if (!(error instanceof StopWalk)) throw error;
    }
    return { pages: this.pages, problems: this.problems };
  }

  private problem(text: string): void {
    if (this.problems.length === MAX_PROBLEMS - 1) {
      this.problems.push(`${text}; stopped after ${MAX_PROBLEMS} problems`);
      throw new StopWalk();
    }
    this.problems.push(text);
  }

  /**
   * Claims pages `first` to `first + count - 1`, named as `what` at `at`: true when they may be
   * read (past the meta pages, at most the last page, inside the file, not reached before).
   */
  private claim(first: number, count: number, at: string, what: string): boolean {
    const last = first + count - 1;
    if (first < 2) {
      this.problem(`${at}: ${what} is page ${first}, a meta page`);
      return false;
    }
    if (last > this.lastPage) {
      this.problem(`${at}: ${what} ends at page ${last}, past the last page ${this.lastPage}`);
      return false;
    }
    if (last >= this.pagesInFile) {
      this.problem(`${at}: ${what} ends at page ${last}, but the file ends after ${this.pagesInFile} pages`);
      return false;
    }
    for (let p = first; p <= last; p++) {
      if (this.reached[p] !== 0) {
        this.problem(`${at}: ${what} is page ${p}, which was reached before`);
        return false;
      }
    }
    this.reached.fill(1, first, last + 1);
    this.pages += count;
    return true;
  }

  private walkTree(tree: Tree): void {
    const { record } = tree;
    if (record.root === NO_PAGE) {
      if (record.depth !== 0 || record.entries !== 0n || record.leafPages !== 0n) {
        this.problem(
          `${tree.name} has no root page, but its record says depth ${record.depth}, ` +
            `${record.entries} entries, ${record.leafPages} leaf pages`,
        );
      }
      return;
    }
    if (record.depth === 0) {
      this.problem(`${tree.name} has root page ${record.root} but depth 0`);
      return;
    }
    if (!this.claim(toNumber(record.root), 1, `the record of ${tree.name}`, 'its root')) return;
    const counts: Counts = { branch: 0, leaf: 0, overflow: 0, entries: 0, damaged: false };
    const stack: { pageNumber: number; level: number }[] = [{ pageNumber: toNumber(record.root), level: 1 }];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      const children = this.visit(tree, next.pageNumber, next.level, counts);
      if (children === undefined) {
        counts.damaged = true;
        continue;
      }
      for (let i = children.length - 1; i >= 0; i--) {
        stack.push({ pageNumber: children[i] as number, level: next.level + 1 });
      }
    }
    if (!counts.damaged) this.compareCounts(tree, counts);
  }

  private compareCounts(tree: Tree, counts: Counts): void {
    const { record } = tree;
    const pairs: [string, bigint, number][] = [
      ['branch pages', record.branchPages, counts.branch],
      ['leaf pages', record.leafPages, counts.leaf],
      ['overflow pages', record.overflowPages, counts.overflow],
    ];
    // With sorted duplicates LMDB counts every value as an entry, in trees this walk counts apart.
    if ((record.flags & MDB_DUPSORT) === 0) pairs.push(['entries', record.entries, counts.entries]);
    for (const [what, recorded, found] of pairs) {
      if (recorded !== BigInt(found)) {
        this.problem(`${tree.name}: its record counts ${recorded} ${what}, the walk found ${found}`);
      }
    }
  }

  /**
   * Whether the page whose header starts `page` was written by a commit the meta page includes:
   * LMDB stamps each page with its commit's txnid as it flushes it, and a writer takes a page
   * stamped with its own or a later txnid for one it may change in place, which in lmdb-js's
   * read-only map faults the process.
   */
  private committed(page: Buffer, at: string): boolean {
    const txnId = page.readBigUInt64LE(PAGE_TXNID_AT);
    if (txnId <= this.meta.txnId) return true;
    this.problem(`${at}: its header's txnid ${txnId} is newer than the meta page's ${this.meta.txnId}`);
    return false;
  }

  /** Reads `bytes` from `offset` into `into`; false when the file ends first. */
  private readAt(into: Buffer, offset: number): boolean {
    let filled = 0;
    while (filled < into.length) {
      const read = readSync(this.fd, into, filled, into.length - filled, offset + filled);
      if (read === 0) return false;
      filled += read;
    }
    return true;
  }

  /**
   * Checks one branch or leaf page at `level` (the root's is 1) and returns its children's
   * page numbers, or undefined when it is damaged (then nothing under it is walked).
   */
  private visit(tree: Tree, pageNumber: number, level: number, counts: Counts): number[] | undefined {
    const page = this.page;
    const at = `page ${pageNumber} (${tree.name})`;
    if (!this.readAt(page, pageNumber * this.pageSize)) {
      this.problem(`${at}: the file ends inside it`);
      return undefined;
    }
    const ownNumber = page.readBigUInt64LE(PAGE_NUMBER_AT);
    if (ownNumber !== BigInt(pageNumber)) {
      this.problem(`${at}: its header says it is page ${ownNumber}`);
      return undefined;
    }
    if (!this.committed(page, at)) return undefined;
    const kind = page.readUInt16LE(PAGE_FLAGS_AT) & PAGE_KINDS;
    const depth = tree.record.depth;
    const fixedSize = tree.role === 'duplicates' && (tree.record.flags & MDB_DUPFIXED) !== 0;
    const expected = level < depth ? P_BRANCH : fixedSize ? P_LEAF | P_LEAF2 : P_LEAF;
    if (kind !== expected) {
      this.problem(
        `${at}: flags 0x${kind.toString(16)} (${kindName(kind)}) at level ${level} of depth ${depth}, ` +
          `where a ${kindName(expected)} page belongs`,
      );
      return undefined;
    }
    const lower = page.readUInt16LE(PAGE_LOWER_AT);
    const upper = page.readUInt16LE(PAGE_UPPER_AT);
    const room = this.pageSize - PAGE_HEADER_BYTES;
    if (lower % 2 !== 0 || lower > upper || upper > room) {
      this.problem(`${at}: bounds lower ${lower} and upper ${upper} are not 0 ≤ lower ≤ upper ≤ ${room}`);
      return undefined;
    }
    const keys = lower / 2;
    // LMDB asserts that a branch page has two keys; the free-page database is exempt (ITS#8336).
    if (kind === P_BRANCH ? keys < (tree.role === 'free' ? 1 : 2) : keys === 0) {
      this.problem(`${at}: a ${kindName(kind)} page with ${keys} keys`);
      return undefined;
    }
    if (kind === P_BRANCH) counts.branch++;
    else counts.leaf++;
    if (kind === (P_LEAF | P_LEAF2)) {
      const keySize = page.readUInt16LE(PAGE_PAD_AT);
      if (keySize === 0 || keys * keySize > room) {
        this.problem(`${at}: ${keys} fixed-size keys of ${keySize} bytes do not fit the page`);
        return undefined;
      }
      counts.entries += keys;
      return [];
    }
    const children: number[] = [];
    const nested: Tree[] = [];
    for (let i = 0; i < keys; i++) {
      const offset = page.readUInt16LE(PAGE_HEADER_BYTES + 2 * i);
      const node = PAGE_HEADER_BYTES + offset;
      if (offset < upper || offset % 2 !== 0 || node + NODE_HEADER_BYTES > this.pageSize) {
        this.problem(`${at}: node ${i} at offset ${offset} is outside the node area ${upper} to ${room}`);
        return undefined;
      }
      const low = page.readUInt16LE(node);
      const high = page.readUInt16LE(node + 2);
      const flags = page.readUInt16LE(node + 4);
      const keyStart = node + NODE_HEADER_BYTES;
      const keyEnd = keyStart + page.readUInt16LE(node + 6);
      if (keyEnd > this.pageSize) {
        this.problem(`${at}: the key of node ${i} runs ${keyEnd - this.pageSize} bytes past the page`);
        return undefined;
      }
      if (kind === P_BRANCH) {
        const child = low + high * 0x1_0000 + flags * 0x1_0000_0000;
        if (!this.claim(child, 1, at, `the child of node ${i}`)) return undefined;
        children.push(child);
        continue;
      }
      const leaf: LeafNode = { index: i, flags, keyStart, keyEnd, size: low + high * 0x1_0000 };
      const whole = this.leafNode(tree, at, leaf, counts);
      if (whole === false) return undefined;
      if (whole !== true) nested.push(whole);
    }
    // Named databases are walked after this tree, from records already copied out of the page.
    this.trees.push(...nested);
    return children;
  }

  /**
   * Checks a leaf node: true when it is whole, false when it is damaged, or the tree its data
   * is the record of.
   */
  private leafNode(tree: Tree, at: string, node: LeafNode, counts: Counts): Tree | boolean {
    const { flags, keyEnd, size } = node;
    const which = `node ${node.index}`;
    const big = (flags & F_BIGDATA) !== 0;
    if ((flags & ~(F_BIGDATA | F_SUBDATA | F_DUPDATA)) !== 0 || (big && flags !== F_BIGDATA)) {
      this.problem(`${at}: ${which} has flags 0x${flags.toString(16)}, which LMDB never writes`);
      return false;
    }
    if ((flags & F_DUPDATA) !== 0 && (tree.record.flags & MDB_DUPSORT) === 0) {
      this.problem(`${at}: ${which} holds duplicates in a database without sorted duplicates`);
      return false;
    }
    const named = (flags & (F_SUBDATA | F_DUPDATA)) === F_SUBDATA;
    if (named && tree.role !== 'main') {
      this.problem(`${at}: ${which} is a named database outside the main database`);
      return false;
    }
    const dataBytes = big ? OVPAGE_BYTES : size;
    if (keyEnd + dataBytes > this.pageSize) {
      this.problem(`${at}: the ${dataBytes} bytes of data of ${which} run past the page`);
      return false;
    }
    counts.entries++;
    if (big) return this.overflow(tree, at, node, counts);
    if ((flags & F_SUBDATA) !== 0) {
      if (size !== DB_RECORD_BYTES) {
        this.problem(`${at}: ${which} holds a database record of ${size} bytes, not ${DB_RECORD_BYTES}`);
        return false;
      }
      const record = readDbRecord(this.page, keyEnd);
      if (!named) return { name: `${tree.name}, the duplicates of a key`, record, role: 'duplicates' };
      // lmdb-js stores a database's name with its C string's terminating NUL.
      const name = this.page.toString('utf8', node.keyStart, keyEnd).replace(/\0$/, '');
      return { name: `database ${JSON.stringify(name)}`, record, role: 'named' };
    }
    if (tree.role === 'free') {
      this.freeLists.push({
        at: `${at}, ${which}`,
        list: Buffer.from(this.page.subarray(keyEnd, keyEnd + size)),
      });
    }
    return true;
  }

  /** Checks the overflow pages of a leaf node with `F_BIGDATA`. */
  private overflow(tree: Tree, at: string, node: LeafNode, counts: Counts): boolean {
    const which = `node ${node.index}`;
    const first = toNumber(this.page.readBigUInt64LE(node.keyEnd));
    const pages = toNumber(this.page.readBigUInt64LE(node.keyEnd + 16));
    // OVPAGES() in mdb.c.
    const needed = Math.floor((PAGE_HEADER_BYTES - 1 + node.size) / this.pageSize) + 1;
    if (pages !== needed) {
      this.problem(
        `${at}: ${which} names ${pages} overflow pages for ${node.size} bytes, which take ${needed}`,
      );
      return false;
    }
    if (!this.claim(first, pages, at, `the overflow pages of ${which}`)) return false;
    const where = `page ${first} (${tree.name}, overflow of ${at.slice(0, at.indexOf(' ('))})`;
    if (!this.readAt(this.header, first * this.pageSize)) {
      this.problem(`${where}: the file ends inside it`);
      return false;
    }
    const ownNumber = this.header.readBigUInt64LE(PAGE_NUMBER_AT);
    const kind = this.header.readUInt16LE(PAGE_FLAGS_AT) & PAGE_KINDS;
    const ownPages = this.header.readUInt32LE(OVERFLOW_PAGES_AT);
    if (ownNumber !== BigInt(first)) {
      this.problem(`${where}: its header says it is page ${ownNumber}`);
      return false;
    }
    if (!this.committed(this.header, where)) return false;
    if (kind !== P_OVERFLOW) {
      this.problem(
        `${where}: flags 0x${kind.toString(16)} (${kindName(kind)}), where an overflow page belongs`,
      );
      return false;
    }
    if (ownPages !== pages) {
      this.problem(`${where}: its header counts ${ownPages} pages, the node ${pages}`);
      return false;
    }
    counts.overflow += pages;
    if (tree.role === 'free') {
      const list = Buffer.alloc(node.size);
      if (!this.readAt(list, first * this.pageSize + PAGE_HEADER_BYTES)) {
        this.problem(`${where}: the file ends inside it`);
        return false;
      }
      this.freeLists.push({ at: `${at}, ${which}`, list });
    }
    return true;
  }

  /**
   * Checks the free-page lists once every tree is walked: each names pages past the meta pages,
   * at most the last page, and none in use. A page may be listed twice (lmdb-js merges its
   * lists and skips duplicates). Free pages past the end of the file are allowed: LMDB writes
   * them before it reads them.
   */
  private checkFreeLists(): void {
    for (const { at, list } of this.freeLists) {
      const slots = list.length >= 8 ? list.readBigUInt64LE(0) : -1n;
      if (slots < 0n || (slots + 1n) * 8n > BigInt(list.length)) {
        this.problem(`${at}: a free-page list of ${list.length} bytes says it has ${slots} slots`);
        continue;
      }
      for (let slot = 1; slot <= Number(slots); slot++) {
        const entry = list.readBigInt64LE(8 * slot);
        if (entry === 0n) continue;
        let count = 1n;
        let first = entry;
        if (entry < 0n) {
          count = -entry;
          slot++;
          first = slot <= Number(slots) ? list.readBigInt64LE(8 * slot) : 0n;
        }
        if (first < 2n || first + count - 1n > this.meta.lastPage) {
          this.problem(
            `${at}: the free-page list names pages ${first} to ${first + count - 1n}, ` +
              `outside 2 to the last page ${this.meta.lastPage}`,
          );
          continue;
        }
        this.markFree(at, Number(first), Number(count));
      }
    }
  }

  private markFree(at: string, first: number, count: number): void {
    const inFile = Math.min(first + count, this.reached.length);
    for (let p = first; p < inFile; p++) {
      const state = this.reached[p];
      if (state === 1) {
        this.problem(`${at}: the free-page list names page ${p}, which is in use`);
        return;
      }
      if (state === 0) {
        this.reached[p] = 2;
        this.pages++;
      }
    }
    if (first + count > this.reached.length)
      this.pages += first + count - Math.max(first, this.reached.length);
  }
}

interface LeafNode {
  readonly index: number;
  readonly flags: number;
  readonly keyStart: number;
  readonly keyEnd: number;
  /** The data's size; for `F_BIGDATA`, the size of the data on the overflow pages. */
  readonly size: number;
}

/** A page number as a number; larger than any file can hold becomes the largest safe integer. */
function toNumber(pageNumber: bigint): number {
  return pageNumber > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(pageNumber);
}

function kindName(kind: number): string {
  switch (kind) {
    case P_BRANCH:
      return 'branch';
    case P_LEAF:
      return 'leaf';
    case P_LEAF | P_LEAF2:
      return 'fixed-size leaf';
    case P_OVERFLOW:
      return 'overflow';
    case P_META:
      return 'meta';
    default:
      return 'no page kind';
  }
}
