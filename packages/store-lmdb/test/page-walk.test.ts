// Damaged pages of data.mdb that LMDB would crash on (it checksums nothing) are found by the
// page walker, with plain file reads, before LMDB maps the file; a healthy file walks clean.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { asWorkflowId } from '@reprise/core';
import fc from 'fast-check';
import { open } from 'lmdb';
import { openLmdbStore } from '../src/index.js';
import { MAX_PROBLEMS, walkDataFile } from '../src/internal.js';
import { DATABASE_NAMES } from '../src/layout.js';
import { P_BRANCH, P_LEAF, PAGE_HEADER_BYTES } from '../src/lmdb-file-layout.js';
import {
  currentMeta,
  type FoundNode,
  leftEdge,
  namedDatabase,
  nodesOf,
  pageStart,
} from './fixtures/data-file-pages.js';
import { applyDamage, damageArbitrary, readEverythingInChild } from './fixtures/random-damage.js';
import { buildWalkedStore, type WalkedStore } from './fixtures/walked-store.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('page-walk');
afterAll(() => dirs.removeAll());

let healthy: { path: string; bytes: Buffer; built: WalkedStore };

beforeAll(async () => {
  const path = dirs.make();
  const built = await buildWalkedStore(path);
  healthy = { path, bytes: readFileSync(join(path, 'data.mdb')), built };
}, 120_000);

/** A store directory whose data.mdb is the healthy file with `damage` done to a copy of it. */
function damaged(damage: (bytes: Buffer) => void): string {
  const bytes = Buffer.from(healthy.bytes);
  damage(bytes);
  const path = join(dirs.make(), 'store');
  mkdirSync(path);
  writeFileSync(join(path, 'data.mdb'), bytes);
  return path;
}

const history = (bytes: Buffer) => namedDatabase(bytes, 'history');
/** The history's root, a branch below it and the first leaf (the history is three levels deep). */
const historyEdge = (bytes: Buffer) => {
  const [root, branch, leaf] = leftEdge(bytes, history(bytes).record) as [number, number, number];
  return { root, branch, leaf };
};
const first = (nodes: FoundNode[]) => nodes[0] as FoundNode;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a healthy store', () => {
  it('walks with no problems, reaching every page up to the last one', async () => {
    const report = walkDataFile(healthy.path);
    expect(report.problems).toEqual([]);

    const root = open({ path: healthy.path, readOnly: true, maxDbs: 32, encoding: 'binary' });
    try {
      interface Stats {
        treeDepth: number;
        treeBranchPageCount: number;
        treeLeafPageCount: number;
        overflowPages: number;
      }
      const pagesOf = (stats: Stats) =>
        stats.treeBranchPageCount + stats.treeLeafPageCount + stats.overflowPages;
      const env = root.getStats() as { root: Stats; free: Stats; lastPageNumber: number };
      const named = [...root.getKeys({})].map((key) =>
        root.openDB(String(key), { encoding: 'binary' }).getStats(),
      ) as Stats[];
      const byName = Object.fromEntries(
        [...root.getKeys({})].map((key, i) => [String(key).replace(/\0$/, ''), named[i] as Stats]),
      );
      // What the fixture is for: every named database of the layout, a tree of depth 3 and overflow pages.
      expect(named.length).toBeGreaterThanOrEqual(DATABASE_NAMES.length);
      expect(byName.history?.treeDepth).toBe(3);
      expect(byName.history?.overflowPages).toBeGreaterThan(0);

      // Every page up to the last is reached once: two meta pages, the trees LMDB counts, free pages.
      const treePages = pagesOf(env.root) + pagesOf(env.free) + named.reduce((sum, s) => sum + pagesOf(s), 0);
      expect(report.pages).toBe(env.lastPageNumber + 1);
      expect(report.pages).toBeGreaterThan(2 + treePages); // pages were freed and not reused
    } finally {
      await root.close();
    }
  });

  it('walks sorted duplicates too (lmdb-js dupSort): the values of a key in a tree of their own', async () => {
    const path = dirs.make();
    const root = open({ path, maxDbs: 4 });
    const db = root.openDB('dups', { dupSort: true });
    await root.transaction(() => {
      // 2,000 values of a key take a tree of their own; 3 fit in a sub-page of the node.
      for (let k = 0; k < 50; k++) for (let v = 0; v < (k % 5 === 0 ? 2000 : 3); v++) db.put(`key-${k}`, v);
    });
    const { lastPageNumber } = root.getStats() as { lastPageNumber: number };
    await root.close();
    expect(walkDataFile(path)).toEqual({ pages: lastPageNumber + 1, problems: [] });
  });

  it('also walks when given the data file itself, and reports a missing one', () => {
    expect(walkDataFile(join(healthy.path, 'data.mdb'))).toEqual(walkDataFile(healthy.path));
    const missing = join(dirs.make(), 'nothing-here');
    expect(walkDataFile(missing).problems).toEqual([expect.stringMatching(/^cannot read .*nothing-here/)]);
  });
});

describe('each kind of damage is reported, naming the page and the database', () => {
  const walk = (damage: (bytes: Buffer) => void) => walkDataFile(damaged(damage)).problems;
  let edge: ReturnType<typeof historyEdge>;
  const at = (page: number) => pageStart(healthy.bytes, page);
  beforeAll(() => {
    edge = historyEdge(healthy.bytes);
  });

  it('a page whose header names another page', () => {
    const problems = walk((bytes) => bytes.writeBigUInt64LE(9999n, at(edge.leaf)));
    expect(problems).toContain(`page ${edge.leaf} (database "history"): its header says it is page 9999`);
  });

  it('a page whose flags are no page kind, or not the kind its level calls for', () => {
    expect(walk((bytes) => bytes.writeUInt16LE(0x10, at(edge.branch) + 18))).toContain(
      `page ${edge.branch} (database "history"): flags 0x0 (no page kind) at level 2 of depth 3, ` +
        'where a branch page belongs',
    );
    expect(walk((bytes) => bytes.writeUInt16LE(P_BRANCH, at(edge.leaf) + 18))).toContain(
      `page ${edge.leaf} (database "history"): flags 0x1 (branch) at level 3 of depth 3, ` +
        'where a leaf page belongs',
    );
    expect(walk((bytes) => bytes.writeUInt16LE(P_LEAF | P_BRANCH, at(edge.root) + 18))).toEqual([
      expect.stringMatching(new RegExp(`^page ${edge.root} \\(database "history"\\): flags 0x3`)),
    ]);
  });

  it('a tree deeper or shallower than its record says', () => {
    const { recordAt } = history(healthy.bytes);
    expect(walk((bytes) => bytes.writeUInt16LE(2, recordAt + 6))).toContain(
      `page ${edge.branch} (database "history"): flags 0x1 (branch) at level 2 of depth 2, ` +
        'where a leaf page belongs',
    );
    expect(walk((bytes) => bytes.writeUInt16LE(4, recordAt + 6))).toContain(
      `page ${edge.leaf} (database "history"): flags 0x2 (leaf) at level 3 of depth 4, ` +
        'where a branch page belongs',
    );
  });

  it('bounds outside the page or crossed', () => {
    const problem = (lower: number, upper: number) =>
      `page ${edge.leaf} (database "history"): bounds lower ${lower} and upper ${upper} are not ` +
      '0 ≤ lower ≤ upper ≤ 4072';
    expect(walk((bytes) => bytes.writeUInt16LE(5000, at(edge.leaf) + 22))).toContain(
      problem(healthy.bytes.readUInt16LE(at(edge.leaf) + 20), 5000),
    );
    expect(
      walk((bytes) => {
        bytes.writeUInt16LE(300, at(edge.leaf) + 20);
        bytes.writeUInt16LE(200, at(edge.leaf) + 22);
      }),
    ).toContain(problem(300, 200));
    expect(walk((bytes) => bytes.writeUInt16LE(0, at(edge.branch) + 20))).toContain(
      `page ${edge.branch} (database "history"): a branch page with 0 keys`,
    );
  });

  it('a node, its key or its data outside the page', () => {
    const leaf = at(edge.leaf);
    expect(walk((bytes) => bytes.writeUInt16LE(2, leaf + PAGE_HEADER_BYTES))).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^page ${edge.leaf} \\(database "history"\\): node 0 at offset 2 is outside the node area`,
        ),
      ),
    );
    const node = first(nodesOf(healthy.bytes, edge.leaf));
    expect(walk((bytes) => bytes.writeUInt16LE(0xffff, node.at + 6))).toContainEqual(
      expect.stringMatching(
        new RegExp(`^page ${edge.leaf} \\(database "history"\\): the key of node 0 runs \\d+ bytes past`),
      ),
    );
    const small = nodesOf(healthy.bytes, edge.leaf).findIndex((n) => n.flags === 0);
    const smallAt = (nodesOf(healthy.bytes, edge.leaf)[small] as FoundNode).at;
    expect(walk((bytes) => bytes.writeUInt16LE(1, smallAt + 2))).toContain(
      `page ${edge.leaf} (database "history"): the ${healthy.bytes.readUInt16LE(smallAt) + 0x1_0000} bytes ` +
        `of data of node ${small} run past the page`,
    );
    expect(walk((bytes) => bytes.writeUInt16LE(0x80, smallAt + 4))).toContain(
      `page ${edge.leaf} (database "history"): node ${small} has flags 0x80, which LMDB never writes`,
    );
  });

  it('a child page past the last page, past the end of the file, a meta page, or reached twice', () => {
    const branch = nodesOf(healthy.bytes, edge.branch);
    const { lastPage } = currentMeta(healthy.bytes);
    const pagesInFile = healthy.bytes.length / 4096;
    const setChild = (bytes: Buffer, node: FoundNode, page: number) => {
      bytes.writeUInt16LE(page & 0xffff, node.at);
      bytes.writeUInt16LE(page >>> 16, node.at + 2);
    };
    const where = `page ${edge.branch} (database "history")`;
    expect(walk((bytes) => setChild(bytes, first(branch), Number(lastPage) + 5))).toContain(
      `${where}: the child of node 0 ends at page ${Number(lastPage) + 5}, past the last page ${lastPage}`,
    );
    expect(
      walk((bytes) => {
        setChild(bytes, first(branch), pagesInFile + 2);
        // The last page in both meta pages, past the file's end (LMDB allows it for free pages).
        for (const meta of [0, 4096]) bytes.writeBigUInt64LE(BigInt(pagesInFile + 10), meta + 24 + 24 + 96);
      }),
    ).toContain(
      `${where}: the child of node 0 ends at page ${pagesInFile + 2}, but the file ends after ${pagesInFile} pages`,
    );
    expect(walk((bytes) => setChild(bytes, first(branch), 1))).toContain(
      `${where}: the child of node 0 is page 1, a meta page`,
    );
    expect(walk((bytes) => setChild(bytes, branch[1] as FoundNode, first(branch).child))).toContain(
      `${where}: the child of node 1 is page ${first(branch).child}, which was reached before`,
    );
  });

  it('a named database whose root is a meta page or another tree', () => {
    const { recordAt } = history(healthy.bytes);
    expect(walk((bytes) => bytes.writeBigUInt64LE(0n, recordAt + 40))).toContain(
      'the record of database "history": its root is page 0, a meta page',
    );
    const list = namedDatabase(healthy.bytes, 'index').record.root;
    expect(walk((bytes) => bytes.writeBigUInt64LE(list, recordAt + 40))).toContainEqual(
      expect.stringMatching(new RegExp(`its root is page ${list}, which was reached before`)),
    );
  });

  it('page and entry counts that differ from the record', () => {
    const { record, recordAt } = history(healthy.bytes);
    expect(walk((bytes) => bytes.writeBigUInt64LE(record.entries + 1n, recordAt + 32))).toEqual([
      `database "history": its record counts ${record.entries + 1n} entries, the walk found ${record.entries}`,
    ]);
    expect(walk((bytes) => bytes.writeBigUInt64LE(record.leafPages - 1n, recordAt + 16))).toEqual([
      `database "history": its record counts ${record.leafPages - 1n} leaf pages, ` +
        `the walk found ${record.leafPages}`,
    ]);
    expect(walk((bytes) => bytes.writeBigUInt64LE(0n, recordAt + 24))).toEqual([
      `database "history": its record counts 0 overflow pages, the walk found ${record.overflowPages}`,
    ]);
  });

  it('overflow pages: the wrong count, a page that is not an overflow page, one past the file', () => {
    const big = first(nodesOf(healthy.bytes, edge.leaf).filter((node) => node.flags === 0x01));
    const overflow = Number(healthy.bytes.readBigUInt64LE(big.dataAt));
    const pages = Number(healthy.bytes.readBigUInt64LE(big.dataAt + 16));
    const where = `page ${edge.leaf} (database "history")`;
    const index = nodesOf(healthy.bytes, edge.leaf).findIndex((node) => node.at === big.at);
    expect(walk((bytes) => bytes.writeBigUInt64LE(BigInt(pages + 1), big.dataAt + 16))).toContainEqual(
      expect.stringMatching(
        new RegExp(`^${escapeRegExp(where)}: node ${index} names ${pages + 1} overflow pages for \\d+ bytes`),
      ),
    );
    expect(walk((bytes) => bytes.writeUInt16LE(P_LEAF, at(overflow) + 18))).toContain(
      `page ${overflow} (database "history", overflow of page ${edge.leaf}): flags 0x2 (leaf), ` +
        'where an overflow page belongs',
    );
    expect(walk((bytes) => bytes.writeUInt32LE(pages + 3, at(overflow) + 20))).toContain(
      `page ${overflow} (database "history", overflow of page ${edge.leaf}): its header counts ` +
        `${pages + 3} pages, the node ${pages}`,
    );
    const pagesInFile = healthy.bytes.length / 4096;
    expect(walk((bytes) => bytes.writeBigUInt64LE(BigInt(pagesInFile - 1), big.dataAt))).toContainEqual(
      expect.stringMatching(
        new RegExp(`^${escapeRegExp(where)}: the overflow pages of node ${index} ends at page`),
      ),
    );
  });

  it("a page stamped with a txnid newer than the meta page's (a writer would change it in place)", () => {
    const { txnId } = currentMeta(healthy.bytes);
    expect(walk((bytes) => bytes.writeBigUInt64LE(txnId + 16n, at(edge.leaf) + 8))).toContain(
      `page ${edge.leaf} (database "history"): its header's txnid ${txnId + 16n} is newer than ` +
        `the meta page's ${txnId}`,
    );
  });

  it('a free-page list naming a page in use or past the last page', () => {
    const { freeDb, lastPage } = currentMeta(healthy.bytes);
    expect(freeDb.depth).toBe(1);
    const list = first(nodesOf(healthy.bytes, Number(freeDb.root)));
    const slots = Number(healthy.bytes.readBigUInt64LE(list.dataAt));
    // A slot that a page number written into it makes one entry of one page: a single page's
    // slot, or a block's length (the block's first page then reads as a free page of its own,
    // which it is); never the first page of a block, whose length would still apply.
    const entry = (n: number) => healthy.bytes.readBigInt64LE(list.dataAt + 8 * n);
    let slot = 1;
    while (slot <= slots && (entry(slot) === 0n || entry(slot - 1) < 0n)) slot++;
    expect(slot).toBeLessThanOrEqual(slots);
    const where = `page ${freeDb.root} (the free-page database), node 0`;
    expect(walk((bytes) => bytes.writeBigInt64LE(BigInt(edge.leaf), list.dataAt + 8 * slot))).toEqual([
      `${where}: the free-page list names page ${edge.leaf}, which is in use`,
    ]);
    expect(walk((bytes) => bytes.writeBigInt64LE(lastPage + 1n, list.dataAt + 8 * slot))).toEqual([
      `${where}: the free-page list names pages ${lastPage + 1n} to ${lastPage + 1n}, ` +
        `outside 2 to the last page ${lastPage}`,
    ]);
    expect(walk((bytes) => bytes.writeBigUInt64LE(BigInt(slots + 1000), list.dataAt))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${escapeRegExp(where)}: a free-page list of \\d+ bytes says it has ${slots + 1000} slots`,
        ),
      ),
    ]);
  });

  it(`stops at ${MAX_PROBLEMS} problems`, () => {
    const { mainDb, freeDb } = currentMeta(healthy.bytes);
    const problems = walk((bytes) => {
      // The own number of every leaf page but the two that lead to the rest: hundreds of problems.
      for (let page = 2; page < bytes.length / 4096; page++) {
        if (page === Number(mainDb.root) || page === Number(freeDb.root)) continue;
        if (bytes.readUInt16LE(page * 4096 + 18) === P_LEAF) bytes.writeBigUInt64LE(0n, page * 4096);
      }
    });
    expect(problems).toHaveLength(MAX_PROBLEMS);
    expect(problems[MAX_PROBLEMS - 1]).toMatch(/; stopped after 100 problems$/);
  });
});

it('is not run by openLmdbStore, which checks the meta pages only: damage the walk finds still opens', async () => {
  const { record, recordAt } = history(healthy.bytes);
  const path = damaged((bytes) => bytes.writeBigUInt64LE(record.entries + 7n, recordAt + 32));
  expect(walkDataFile(path).problems).toEqual([
    `database "history": its record counts ${record.entries + 7n} entries, the walk found ${record.entries}`,
  ]);
  // A wrong entry count faults nothing, so this process may open it.
  const store = openLmdbStore({ path, noSync: true });
  try {
    expect(await store.readHistory(asWorkflowId('walked-1'))).toHaveLength(healthy.built.eventsPer);
  } finally {
    await store.close();
  }
});

it('never throws on random damage, and where it finds none, reading every value does not crash', () => {
  let clean = 0;
  fc.assert(
    fc.property(damageArbitrary, (damage) => {
      const path = damaged((file) => applyDamage(file, damage));
      const report = walkDataFile(path); // in this process: it must return, whatever the bytes
      expect(report.problems.length).toBeLessThanOrEqual(MAX_PROBLEMS);
      if (report.problems.length > 0) return;
      clean++;
      expect(readEverythingInChild(path, healthy.built.workflows)).toMatchObject({ signal: null, status: 0 });
    }),
    { numRuns: 24 },
  );
  // Damage the walker cannot see (inside values and keys, on free pages) is common: a child ran.
  expect(clean).toBeGreaterThan(0);
}, 1_800_000);
