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
 *   With `F_DUPDATA` alone its data is a sub-page of a few duplicates: checked to lie inside the
 *   node's page, not walked.
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
/** The most the walk reads at once (see `pageView`). */
const WINDOW_BYTES = 1024 * 1024;
const FREE_DB = 'the free-page database';
const MAIN_DB = 'the main database';

/**
 * Walks the LMDB data file at `path` (a store directory, whose `data.mdb` is read, or the file
 * itself) and reports every structural problem that would make LMDB read outside its map or
 * fail an assertion: a page whose own number is not its position, a page kind that is not the
 * one its place in the tree calls for, bounds outside the page or crossed, a node or its key and
 * data outside the page, a child or overflow page past the meta page's last page or the file's
 * end, a tree deeper or shallower than its record's `md_depth`, a page reached twice, page and
 * entry counts that differ from the database's record, a page stamped with a txnid newer than
 * the meta page's, and free-page lists naming pages out of range or in use. Under a damaged page
 * nothing is walked (so what lies below it is neither checked nor counted), and the walk stops
 * at `MAX_PROBLEMS`.
 *
 * Reads with plain file reads, level by level in file order (see `PageWalk`); never throws for
 * what the file holds (an unreadable file is a problem too). Run it on a store no process is
 * writing: pages another process commits meanwhile may read as damage.
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
    // A read the system refused (EIO): what the walk found until then is lost with it.
    return { pages: 0, problems: [`cannot walk ${file}: ${(error as Error).message}`] };
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
  readonly counts: Counts;
}

/**
 * A page to read in a later round: a branch or leaf page of `tree` at `level` (the root's is
 * 1), or the first of `pages` overflow pages holding `size` bytes of the leaf node `node`.
 */
type Visit =
  | { readonly kind: 'tree'; readonly page: number; readonly tree: Tree; readonly level: number }
  | {
      readonly kind: 'overflow';
      readonly page: number;
      readonly tree: Tree;
      readonly pages: number;
      readonly size: number;
      /** The leaf page and node that name it. */
      readonly leaf: number;
      readonly node: string;
    };

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

/**
 * The walk goes in rounds: each reads the pages the previous round found (children, overflow
 * pages, the roots of named databases) in file order, through one window of the file, so a
 * walk reads each part of the file about once per tree level, forward, in large reads.
 */
class PageWalk {
  private readonly problems: string[] = [];
  private readonly pageSize: number;
  private readonly pagesInFile: number;
  private readonly lastPage: number;
  /** One byte per page a reference may name: 1 once a tree or overflow page is reached, 2 when free. */
  private readonly reached: Uint8Array;
  /** The page being checked: a view of the window, valid until the next window is read. */
  private page: Buffer = Buffer.alloc(0);
  private readonly window = Buffer.alloc(WINDOW_BYTES);
  /** The page the window starts with, and how many whole pages it holds. */
  private windowFirst = 0;
  private windowPages = 0;
  private readonly trees: Tree[] = [];
  /** What the next round reads. */
  private next: Visit[] = [];
  /** The page being checked. */
  private current: Visit | undefined;
  /** The current meta page's txnid, as its high and low 32 bits. */
  private readonly txnIdHigh: number;
  private readonly txnIdLow: number;
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
    this.txnIdHigh = Number(meta.txnId >> 32n);
    this.txnIdLow = Number(meta.txnId & 0xffff_ffffn);
    this.reached = new Uint8Array(Math.min(this.pagesInFile, this.lastPage + 1));
  }

  run(): PageWalkReport {
    try {
      this.startTree(FREE_DB, this.meta.freeDb, 'free');
      this.startTree(MAIN_DB, this.meta.mainDb, 'main');
      while (this.next.length > 0) {
        const round = this.next.sort((a, b) => a.page - b.page);
        this.next = [];
        for (let i = 0; i < round.length; i++) this.check(round, i);
      }
      for (const tree of this.trees) if (!tree.counts.damaged) this.compareCounts(tree);
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
   * Claims pages `first` to `first + count - 1`, which `what` names (the root of `treeName`, or
   * the child or overflow pages of node `index` of the current page): true when they may be
   * read (past the meta pages, at most the last page, inside the file, not reached before).
   */
  private claim(
    first: number,
    count: number,
    what: 'root' | 'child' | 'overflow',
    index: number,
    treeName: string,
  ): boolean {
    const last = first + count - 1;
    const subject = () =>
      what === 'root'
        ? `the record of ${treeName}: its root`
        : `${this.at}: the ${what === 'child' ? 'child' : 'overflow pages'} of node ${index}`;
    if (first < 2) {
      this.problem(`${subject()} is page ${first}, a meta page`);
      return false;
    }
    if (last > this.lastPage) {
      this.problem(`${subject()} ends at page ${last}, past the last page ${this.lastPage}`);
      return false;
    }
    if (last >= this.pagesInFile) {
      this.problem(`${subject()} ends at page ${last}, but the file ends after ${this.pagesInFile} pages`);
      return false;
    }
    for (let p = first; p <= last; p++) {
      if (this.reached[p] !== 0) {
        this.problem(`${subject()} is page ${p}, which was reached before`);
        return false;
      }
    }
    this.reached.fill(1, first, last + 1);
    this.pages += count;
    return true;
  }

  /** The page being checked, as a problem names it. */
  private get at(): string {
    const visit = this.current;
    if (visit === undefined) return '';
    return visit.kind === 'tree'
      ? `page ${visit.page} (${visit.tree.name})`
      : `page ${visit.page} (${visit.tree.name}, overflow of page ${visit.leaf})`;
  }

  /** Claims the root of a tree for the next round. */
  private startTree(name: string, record: DbRecord, role: Tree['role']): void {
    const counts: Counts = { branch: 0, leaf: 0, overflow: 0, entries: 0, damaged: false };
    const tree: Tree = { name, record, role, counts };
    this.trees.push(tree);
    if (record.root === NO_PAGE) {
      if (record.depth !== 0 || record.entries !== 0n || record.leafPages !== 0n) {
        this.problem(
          `${name} has no root page, but its record says depth ${record.depth}, ` +
            `${record.entries} entries, ${record.leafPages} leaf pages`,
        );
      }
      return;
    }
    counts.damaged = true; // until its root is claimed
    if (record.depth === 0) {
      this.problem(`${name} has root page ${record.root} but depth 0`);
      return;
    }
    const root = toNumber(record.root);
    if (!this.claim(root, 1, 'root', 0, name)) return;
    counts.damaged = false;
    this.next.push({ kind: 'tree', page: root, tree, level: 1 });
  }

  /** Checks `round[i]`, reading the window that holds it (and the pages after it) first. */
  private check(round: Visit[], i: number): void {
    const visit = round[i] as Visit;
    const page = this.pageView(round, i);
    this.current = visit;
    if (page === undefined) {
      this.problem(`${this.at}: the file ends inside it`);
      visit.tree.counts.damaged = true;
      return;
    }
    this.page = page;
    const whole =
      visit.kind === 'tree' ? this.visit(visit.tree, visit.page, visit.level) : this.checkOverflow(visit);
    if (!whole) visit.tree.counts.damaged = true;
  }

  /**
   * A view of the page `round[i]` names, reading the window anew when it does not hold it: from
   * that page up to the last page of the round that fits in `WINDOW_BYTES` (the pages between
   * are read too, which costs less than a read each). Undefined when the file ends first.
   */
  private pageView(round: Visit[], i: number): Buffer | undefined {
    const first = (round[i] as Visit).page;
    if (first < this.windowFirst || first >= this.windowFirst + this.windowPages) {
      const most = Math.floor(WINDOW_BYTES / this.pageSize);
      let last = first;
      for (let j = i + 1; j < round.length && (round[j] as Visit).page < first + most; j++) {
        last = (round[j] as Visit).page;
      }
      const wanted = this.window.subarray(0, (last - first + 1) * this.pageSize);
      const filled = this.readInto(wanted, first * this.pageSize);
      this.windowFirst = first;
      this.windowPages = Math.floor(filled / this.pageSize);
      if (this.windowPages === 0) return undefined;
    }
    const offset = (first - this.windowFirst) * this.pageSize;
    return this.window.subarray(offset, offset + this.pageSize);
  }

  /** Reads into `into` from `offset` until it is full or the file ends; how many bytes it read. */
  private readInto(into: Buffer, offset: number): number {
    let filled = 0;
    while (filled < into.length) {
      const read = readSync(this.fd, into, filled, into.length - filled, offset + filled);
      if (read === 0) break;
      filled += read;
    }
    return filled;
  }

  private compareCounts(tree: Tree): void {
    const { record, counts } = tree;
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
  private committed(page: Buffer): boolean {
    const high = page.readUInt32LE(PAGE_TXNID_AT + 4);
    if (
      high < this.txnIdHigh ||
      (high === this.txnIdHigh && page.readUInt32LE(PAGE_TXNID_AT) <= this.txnIdLow)
    ) {
      return true;
    }
    const txnId = page.readBigUInt64LE(PAGE_TXNID_AT);
    this.problem(`${this.at}: its header's txnid ${txnId} is newer than the meta page's ${this.meta.txnId}`);
    return false;
  }

  /** Whether the page whose header starts `page` says it is page `pageNumber`; a problem if not. */
  private ownNumberIs(page: Buffer, pageNumber: number): boolean {
    if (
      page.readUInt32LE(PAGE_NUMBER_AT) === pageNumber % 0x1_0000_0000 &&
      page.readUInt32LE(PAGE_NUMBER_AT + 4) === Math.floor(pageNumber / 0x1_0000_0000)
    ) {
      return true;
    }
    this.problem(`${this.at}: its header says it is page ${page.readBigUInt64LE(PAGE_NUMBER_AT)}`);
    return false;
  }

  /**
   * Checks the branch or leaf page `this.page` at `level` (the root's is 1) and queues its
   * children, overflow pages and named databases for the next round; false when it is damaged
   * (then nothing under it is walked).
   */
  private visit(tree: Tree, pageNumber: number, level: number): boolean {
    const page = this.page;
    const counts = tree.counts;
    if (!this.ownNumberIs(page, pageNumber) || !this.committed(page)) return false;
    const kind = page.readUInt16LE(PAGE_FLAGS_AT) & PAGE_KINDS;
    const depth = tree.record.depth;
    const fixedSize = tree.role === 'duplicates' && (tree.record.flags & MDB_DUPFIXED) !== 0;
    const expected = level < depth ? P_BRANCH : fixedSize ? P_LEAF | P_LEAF2 : P_LEAF;
    if (kind !== expected) {
      this.problem(
        `${this.at}: flags 0x${kind.toString(16)} (${kindName(kind)}) at level ${level} of depth ${depth}, ` +
          `where a ${kindName(expected)} page belongs`,
      );
      return false;
    }
    const lower = page.readUInt16LE(PAGE_LOWER_AT);
    const upper = page.readUInt16LE(PAGE_UPPER_AT);
    const room = this.pageSize - PAGE_HEADER_BYTES;
    if (lower % 2 !== 0 || lower > upper || upper > room) {
      this.problem(
        `${this.at}: bounds lower ${lower} and upper ${upper} are not 0 ≤ lower ≤ upper ≤ ${room}`,
      );
      return false;
    }
    const keys = lower / 2;
    // LMDB asserts that a branch page has two keys; the free-page database is exempt (ITS#8336).
    if (kind === P_BRANCH ? keys < (tree.role === 'free' ? 1 : 2) : keys === 0) {
      this.problem(`${this.at}: a ${kindName(kind)} page with ${keys} keys`);
      return false;
    }
    if (kind === P_BRANCH) counts.branch++;
    else counts.leaf++;
    if (kind === (P_LEAF | P_LEAF2)) {
      const keySize = page.readUInt16LE(PAGE_PAD_AT);
      if (keySize === 0 || keys * keySize > room) {
        this.problem(`${this.at}: ${keys} fixed-size keys of ${keySize} bytes do not fit the page`);
        return false;
      }
      counts.entries += keys;
      return true;
    }
    const nested: [string, DbRecord, Tree['role']][] = [];
    for (let i = 0; i < keys; i++) {
      const offset = page.readUInt16LE(PAGE_HEADER_BYTES + 2 * i);
      const node = PAGE_HEADER_BYTES + offset;
      if (offset < upper || offset % 2 !== 0 || node + NODE_HEADER_BYTES > this.pageSize) {
        this.problem(
          `${this.at}: node ${i} at offset ${offset} is outside the node area ${upper} to ${room}`,
        );
        return false;
      }
      const low = page.readUInt16LE(node);
      const high = page.readUInt16LE(node + 2);
      const flags = page.readUInt16LE(node + 4);
      const keyStart = node + NODE_HEADER_BYTES;
      const keyEnd = keyStart + page.readUInt16LE(node + 6);
      if (keyEnd > this.pageSize) {
        this.problem(`${this.at}: the key of node ${i} runs ${keyEnd - this.pageSize} bytes past the page`);
        return false;
      }
      if (kind === P_BRANCH) {
        const child = low + high * 0x1_0000 + flags * 0x1_0000_0000;
        if (!this.claim(child, 1, 'child', i, tree.name)) return false;
        this.next.push({ kind: 'tree', page: child, tree, level: level + 1 });
        continue;
      }
      const leaf: LeafNode = { index: i, flags, keyStart, keyEnd, size: low + high * 0x1_0000 };
      const whole = this.leafNode(tree, pageNumber, leaf);
      if (whole === false) return false;
      if (whole !== true) nested.push(whole);
    }
    // Only a whole page's named databases are walked.
    for (const [name, record, role] of nested) this.startTree(name, record, role);
    return true;
  }

  /**
   * Checks a leaf node: true when it is whole, false when it is damaged, or the tree its data
   * is the record of.
   */
  private leafNode(
    tree: Tree,
    pageNumber: number,
    node: LeafNode,
  ): [string, DbRecord, Tree['role']] | boolean {
    const { flags, keyEnd, size } = node;
    const counts = tree.counts;
    const big = (flags & F_BIGDATA) !== 0;
    if ((flags & ~(F_BIGDATA | F_SUBDATA | F_DUPDATA)) !== 0 || (big && flags !== F_BIGDATA)) {
      this.problem(
        `${this.at}: node ${node.index} has flags 0x${flags.toString(16)}, which LMDB never writes`,
      );
      return false;
    }
    if ((flags & F_DUPDATA) !== 0 && (tree.record.flags & MDB_DUPSORT) === 0) {
      this.problem(`${this.at}: node ${node.index} holds duplicates in a database without sorted duplicates`);
      return false;
    }
    const named = (flags & (F_SUBDATA | F_DUPDATA)) === F_SUBDATA;
    if (named && tree.role !== 'main') {
      this.problem(`${this.at}: node ${node.index} is a named database outside the main database`);
      return false;
    }
    const dataBytes = big ? OVPAGE_BYTES : size;
    if (keyEnd + dataBytes > this.pageSize) {
      this.problem(`${this.at}: the ${dataBytes} bytes of data of node ${node.index} run past the page`);
      return false;
    }
    counts.entries++;
    if (big) return this.overflow(tree, pageNumber, node);
    if ((flags & F_SUBDATA) !== 0) {
      if (size !== DB_RECORD_BYTES) {
        this.problem(
          `${this.at}: node ${node.index} holds a database record of ${size} bytes, not ${DB_RECORD_BYTES}`,
        );
        return false;
      }
      const record = readDbRecord(this.page, keyEnd);
      if (!named) return [`${tree.name}, the duplicates of a key`, record, 'duplicates'];
      // lmdb-js stores a database's name with its C string's terminating NUL.
      const name = this.page.toString('utf8', node.keyStart, keyEnd).replace(/\0$/, '');
      return [`database ${JSON.stringify(name)}`, record, 'named'];
    }
    if (tree.role === 'free') {
      this.freeLists.push({
        at: `${this.at}, node ${node.index}`,
        list: Buffer.from(this.page.subarray(keyEnd, keyEnd + size)),
      });
    }
    return true;
  }

  /** Checks the overflow pages a leaf node with `F_BIGDATA` names, and queues the first. */
  private overflow(tree: Tree, pageNumber: number, node: LeafNode): boolean {
    const first = toNumber(this.page.readBigUInt64LE(node.keyEnd));
    const pages = toNumber(this.page.readBigUInt64LE(node.keyEnd + 16));
    // OVPAGES() in mdb.c.
    const needed = Math.floor((PAGE_HEADER_BYTES - 1 + node.size) / this.pageSize) + 1;
    if (pages !== needed) {
      this.problem(
        `${this.at}: node ${node.index} names ${pages} overflow pages for ${node.size} bytes, which take ${needed}`,
      );
      return false;
    }
    if (!this.claim(first, pages, 'overflow', node.index, tree.name)) return false;
    this.next.push({
      kind: 'overflow',
      page: first,
      tree,
      pages,
      size: node.size,
      leaf: pageNumber,
      node: `node ${node.index}`,
    });
    return true;
  }

  /** Checks the header of the first overflow page `this.page`. */
  private checkOverflow(visit: Visit & { kind: 'overflow' }): boolean {
    const header = this.page;
    const at = this.at;
    const kind = header.readUInt16LE(PAGE_FLAGS_AT) & PAGE_KINDS;
    const ownPages = header.readUInt32LE(OVERFLOW_PAGES_AT);
    if (!this.ownNumberIs(header, visit.page) || !this.committed(header)) return false;
    if (kind !== P_OVERFLOW) {
      this.problem(`${at}: flags 0x${kind.toString(16)} (${kindName(kind)}), where an overflow page belongs`);
      return false;
    }
    if (ownPages !== visit.pages) {
      this.problem(`${at}: its header counts ${ownPages} pages, the node ${visit.pages}`);
      return false;
    }
    visit.tree.counts.overflow += visit.pages;
    if (visit.tree.role === 'free') {
      const list = Buffer.alloc(visit.size);
      if (this.readInto(list, visit.page * this.pageSize + PAGE_HEADER_BYTES) < visit.size) {
        this.problem(`${at}: the file ends inside it`);
        return false;
      }
      this.freeLists.push({ at: `page ${visit.leaf} (${FREE_DB}), ${visit.node}`, list });
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
