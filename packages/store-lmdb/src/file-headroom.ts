import { closeSync, fdatasync, fstatSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Key, RootDatabase } from 'lmdb';

/*
 * A commit that needs pages past the end of LMDB's data file grows the file, and its fsync then
 * also makes the file system's record of the new blocks and size durable: on ext4 here such a
 * commit cost about 100 µs more. A run's start, which writes the most new pages, grew the file
 * most often: its commit cost 100-160 µs more than a middle one, against about 25 once the file
 * had room (a file grown sparse, by truncation, kept half of the difference: the blocks count).
 * So a writable store keeps zeroed room past the pages LMDB uses, written and synced ahead of
 * need, and commits write into blocks the file already has. LMDB never reads past its last page,
 * copies (`backup`) stop there, and the page walk and the open's checks bound themselves by it:
 * the room only makes the file larger than its data.
 *
 * The zeros are written from the file's end, inside a write transaction, which holds LMDB's
 * writer lock (across processes too): every byte LMDB wrote lies before that end, and whatever it
 * writes past it later (the transaction's pages, at its commit) lands after the zeros.
 */

/** The least room kept past the used pages. */
const LEAST_ROOM = 1024 * 1024;
/** The most room kept: half the used pages between the two, so extensions grow geometrically. */
const MOST_ROOM = 64 * 1024 * 1024;
/** The most zeros written in one go (the main thread waits for it, and so does the writer). */
const MOST_PER_EXTENSION = 16 * 1024 * 1024;
/** The zeros are written in pieces of this size, from one buffer made once. */
const PIECE = 256 * 1024;
let zeros: Buffer | undefined;

/** The room wanted past `used` bytes of pages. */
const wantedRoom = (used: number) => Math.min(MOST_ROOM, Math.max(LEAST_ROOM, Math.floor(used / 2)));

/** The data file's size, the bytes of its used pages, the room past them and the room wanted. */
interface Room {
  readonly size: number;
  readonly used: number;
  readonly left: number;
  readonly wanted: number;
}

/**
 * Keeps zeroed room past the used pages of one environment's data file. `wrote` is told about
 * every commit's bytes; the room is checked once about half of what was left may have been used
 * (a commit grows the file by at most what it wrote, in whole pages), and topped up then, by a
 * transaction callback of lmdb-js's writer: the main thread never waits for the writer's lock.
 */
export class DataFileHeadroom {
  readonly #root: RootDatabase<Buffer, Key>;
  #fd: number | undefined;
  /** How many more bytes may be written before the room is checked again. */
  #untilCheck = 0;
  /** Whether a check or an extension is queued or in progress. */
  #busy = false;
  /** The sync of the last zeros written, until it is done. */
  #syncing: Promise<void> | undefined;

  constructor(root: RootDatabase<Buffer, Key>, path: string) {
    this.#root = root;
    this.#fd = openSync(join(path, 'data.mdb'), 'r+');
    // Nothing is written yet: the first room is made at once, so the first commits find it.
    this.#guarded((fd) => {
      const room = this.#room(fd);
      if (room.left < room.wanted / 2) this.#root.transactionSync(() => this.#extend(fd));
      this.#checkAgainAfter(this.#room(fd));
    });
  }

  /** Notes that a commit was issued that writes about `bytes`. */
  wrote(bytes: number): void {
    this.#untilCheck -= bytes;
    if (this.#untilCheck > 0 || this.#busy || this.#fd === undefined) return;
    this.#busy = true;
    setImmediate(() => this.#check());
  }

  /** Stops keeping the room, once a sync of zeros under way is done; the file keeps what it has. */
  async close(): Promise<void> {
    const fd = this.#fd;
    if (fd === undefined) return;
    this.#fd = undefined;
    await this.#syncing;
    closeSync(fd);
  }

  #check(): void {
    const extending = this.#guarded((fd) => {
      const room = this.#room(fd);
      if (room.left >= room.wanted / 2) {
        this.#checkAgainAfter(room);
        return undefined;
      }
      return this.#root.transaction(() => this.#guarded((current) => this.#extend(current)));
    });
    if (extending === undefined) {
      this.#busy = false;
      return;
    }
    extending.then(
      () => {
        this.#busy = false;
        this.#guarded((fd) => this.#checkAgainAfter(this.#room(fd)));
      },
      () => {
        this.#busy = false;
        this.#untilCheck = LEAST_ROOM;
      },
    );
  }

  /**
   * Inside a write transaction: writes zeros from the file's end up to the room wanted (at most
   * `MOST_PER_EXTENSION`), then has them synced off the main thread; until that sync is done,
   * the next commit's sync would carry them.
   */
  #extend(fd: number): void {
    const room = this.#room(fd);
    if (room.left >= room.wanted / 2) return;
    const end = room.size + Math.min(MOST_PER_EXTENSION, room.wanted - room.left);
    zeros ??= Buffer.alloc(PIECE);
    for (let at = room.size; at < end; at += PIECE) writeSync(fd, zeros, 0, Math.min(PIECE, end - at), at);
    const previous = this.#syncing;
    this.#syncing = new Promise<void>((resolve) => fdatasync(fd, () => resolve())).then(() => previous);
  }

  #checkAgainAfter(room: Room): void {
    this.#untilCheck = Math.max(PIECE, Math.floor((room.left - room.wanted / 2) / 2));
  }

  /**
   * Runs `step` with the data file's descriptor, unless closed. A failure (a full disk, say) is
   * left for LMDB's commits to meet and report as they would without this: the room is an
   * optimisation, never a condition of writing. The room is checked again later.
   */
  #guarded<T>(step: (fd: number) => T): T | undefined {
    const fd = this.#fd;
    if (fd === undefined) return undefined;
    try {
      return step(fd);
    } catch {
      this.#untilCheck = LEAST_ROOM;
      return undefined;
    }
  }

  #room(fd: number): Room {
    const size = fstatSync(fd).size;
    const stats = this.#root.getStats() as { lastPageNumber: number; pageSize: number };
    const used = (stats.lastPageNumber + 1) * stats.pageSize;
    return { size, used, left: size - used, wanted: wantedRoom(used) };
  }
}
