import { closeSync, fdatasync, fstatSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Key, RootDatabase } from 'lmdb';

/*
 * A commit that needs pages past the end of LMDB's data file grows the file, and its fsync then
 * also makes the file system's record of the new blocks and size durable: on ext4 here such a
 * commit cost about 100 µs more. A run's start, which writes the most new pages, grew the file
 * most often: its commit cost 100-160 µs more than a middle one, against 22-46 once the file had
 * room (a file grown sparse, by truncation, kept half of the difference: the blocks count).
 * So a writable store keeps zeroed room past the pages LMDB uses, written and synced ahead of
 * need, and commits write into blocks the file already has. LMDB never reads past its last page,
 * copies (`backup`) stop there, and the page walk and the open's checks bound themselves by it:
 * the room only makes the file larger than its data.
 *
 * The room pays where commits are small, each one's fsync a caller's latency: appends one after
 * the other, as a run's steps come. Where appends come in bursts, each commit carries many of
 * them, growing the file costs next to nothing per append, and writing every grown byte twice
 * (zeros, then data) cost more than it saved: made whatever the commits, it cost the store's
 * concurrent appends 10-15% (`npm run bench:engine`'s store line, 0.40-0.47 against 0.46-0.52).
 * So the room is made only when the store has no append in flight (its writer is idle, and nobody
 * waits for the zeros) after a few appends at most since the last such moment.
 *
 * The zeros are written from the file's end, inside a write transaction, which holds LMDB's
 * writer lock (across processes too): every byte LMDB wrote lies before that end, and whatever it
 * writes past it later (a later transaction's pages) lands after the zeros.
 */

/** The least room kept past the used pages. */
const LEAST_ROOM = 1024 * 1024;
/** The most room kept: half the used pages between the two, so extensions grow geometrically. */
const MOST_ROOM = 64 * 1024 * 1024;
/** The most zeros written in one go (the main thread waits for it). */
const MOST_PER_EXTENSION = 16 * 1024 * 1024;
/** The most appends between two moments with none in flight for these to count as one after the other. */
const MOST_APPENDS_BETWEEN_IDLES = 4;
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
 * every commit's bytes; once about half of the room left may have been used (a commit grows the
 * file by at most what it wrote, in whole pages), `idle` checks it and tops it up.
 */
export class DataFileHeadroom {
  readonly #root: RootDatabase<Buffer, Key>;
  #fd: number | undefined;
  /** How many more bytes may be written before the room is checked again (none: at the first chance). */
  #untilCheck = 0;
  /** The sync of the last zeros written, until it is done. */
  #syncing: Promise<void> | undefined;
  /** Appends issued since the store last had none in flight. */
  #appendsSinceIdle = 0;

  constructor(root: RootDatabase<Buffer, Key>, path: string) {
    this.#root = root;
    this.#fd = openSync(join(path, 'data.mdb'), 'r+');
  }

  /** Notes that a commit was issued that writes about `bytes`. */
  wrote(bytes: number): void {
    this.#untilCheck -= bytes;
    this.#appendsSinceIdle++;
  }

  /**
   * The store has no append in flight: tops the room up if it is due and the appends since the
   * last such moment came one after the other (see above). A failure (a full disk,
   * say) is left for LMDB's commits to meet and report as they would without this: the room is
   * an optimisation, never a condition of writing.
   */
  idle(): void {
    const fd = this.#fd;
    const appends = this.#appendsSinceIdle;
    this.#appendsSinceIdle = 0;
    if (fd === undefined || this.#untilCheck > 0 || appends > MOST_APPENDS_BETWEEN_IDLES) return;
    try {
      let room = this.#room(fd);
      if (room.left < room.wanted / 2) {
        this.#root.transactionSync(() => {
          room = this.#room(fd);
          if (room.left < room.wanted / 2) room = this.#extend(fd, room);
        });
      }
      this.#untilCheck = Math.max(PIECE, Math.floor((room.left - room.wanted / 2) / 2));
    } catch {
      this.#untilCheck = LEAST_ROOM;
    }
  }

  /** Stops keeping the room, once a sync of zeros under way is done; the file keeps what it has. */
  async close(): Promise<void> {
    const fd = this.#fd;
    if (fd === undefined) return;
    this.#fd = undefined;
    await this.#syncing;
    closeSync(fd);
  }

  /**
   * Inside a write transaction: writes zeros from the file's end up to the room wanted (at most
   * `MOST_PER_EXTENSION`), then has them synced off the main thread (until that is done, the next
   * commit's sync would carry them). Returns the room after.
   */
  #extend(fd: number, room: Room): Room {
    const end = room.size + Math.min(MOST_PER_EXTENSION, room.wanted - room.left);
    zeros ??= Buffer.alloc(PIECE);
    for (let at = room.size; at < end; at += PIECE) writeSync(fd, zeros, 0, Math.min(PIECE, end - at), at);
    const previous = this.#syncing;
    this.#syncing = new Promise<void>((resolve) => fdatasync(fd, () => resolve())).then(() => previous);
    return { ...room, size: end, left: end - room.used };
  }

  #room(fd: number): Room {
    const size = fstatSync(fd).size;
    const stats = this.#root.getStats() as { lastPageNumber: number; pageSize: number };
    const used = (stats.lastPageNumber + 1) * stats.pageSize;
    return { size, used, left: size - used, wanted: wantedRoom(used) };
  }
}
