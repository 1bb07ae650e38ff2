import { InvalidArgumentError } from '@reprise/core';

/**
 * The largest `mapSize`: 16 TiB. LMDB reserves the whole map in the process's address space,
 * and a reservation the platform cannot make (1e14 bytes on x86-64 Linux) faults the process
 * inside LMDB instead of failing the open. 16 TiB is far beyond one machine's disk and within
 * what 64-bit platforms with 47-bit or 48-bit address spaces reserve.
 */
export const MAX_MAP_SIZE = 2 ** 44;

/** How to open an LMDB store. */
export interface LmdbStoreOptions {
  /**
   * The directory holding the environment (`data.mdb`, `lock.mdb`); created if missing. Always a
   * directory, even when the name has a dot in it.
   */
  readonly path: string;
  /**
   * FOR TESTS ONLY. Skips the fsync at commit: an append resolves once committed to the OS page
   * cache, so it survives the process being killed but not the machine losing power, and a
   * power loss can corrupt the environment. Never use it for data you want to keep.
   */
  readonly noSync?: boolean;
  /**
   * The initial size of the memory map, in bytes (LMDB's map size). The map grows by itself when
   * it fills, so this is a tuning knob, not a limit. Default: lmdb-js's (small, then grown).
   * At most `MAX_MAP_SIZE` (16 TiB).
   */
  readonly mapSize?: number;
  /** The largest event, in bytes of JSON (default 2 MiB, as `DEFAULT_MAX_PAYLOAD_BYTES`). */
  readonly maxPayloadBytes?: number;
  /**
   * Opens an existing store for reading only (`reprise verify`, inspection tools): nothing is
   * written, not even the format record, and every append fails with `StoreUnavailableError`.
   * A directory without a store is refused with `StoreFormatError`.
   */
  readonly readOnly?: boolean;
}

/** Checks the options; a bad one throws `InvalidArgumentError` naming it. */
export function checkOptions(options: LmdbStoreOptions): LmdbStoreOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'must be an object with at least { path }');
  }
  if (typeof options.path !== 'string' || options.path.length === 0) {
    throw new InvalidArgumentError('options.path', 'must be a non-empty string naming a directory');
  }
  for (const key of ['noSync', 'readOnly'] as const) {
    const value = options[key];
    if (value !== undefined && typeof value !== 'boolean') {
      throw new InvalidArgumentError(`options.${key}`, `${JSON.stringify(value)} is not a boolean`);
    }
  }
  for (const key of ['mapSize', 'maxPayloadBytes'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
      throw new InvalidArgumentError(`options.${key}`, `${JSON.stringify(value)} must be a positive integer`);
    }
  }
  if (options.mapSize !== undefined && options.mapSize > MAX_MAP_SIZE) {
    throw new InvalidArgumentError(
      'options.mapSize',
      `${options.mapSize} bytes is more than the ${MAX_MAP_SIZE} (16 TiB) a store may map; the map grows by itself, so a smaller start costs nothing`,
    );
  }
  return options;
}
