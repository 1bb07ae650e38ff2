import { checkShardCount, DEFAULT_SHARD_COUNT, InvalidArgumentError } from '@reprise/core';
import type { Pool } from 'pg';

/** Where the store connects: a connection string (the store makes and owns a pool), or a pool. */
export type PostgresConnection =
  | {
      /** A libpq-style URL, e.g. `postgresql://user:password@host:5432/database`. */
      readonly connectionString: string;
      /** The most connections the store's pool opens (default 10). */
      readonly maxConnections?: number;
    }
  | {
      /** A pool of the caller's (`pg.Pool`); the store uses it and never ends it. */
      readonly pool: Pool;
    };

/** How to open a PostgreSQL store. */
export interface PostgresStoreOptions {
  /**
   * The schema that holds the store's tables (created if missing); default `reprise`. Letters,
   * digits and `_`, starting with a letter or `_`, at most 63 characters. Stores in different
   * schemas of one database are independent.
   */
  readonly schema?: string;
  /** The largest event, in bytes of JSON (default 2 MiB, as `DEFAULT_MAX_PAYLOAD_BYTES`). */
  readonly maxPayloadBytes?: number;
  /**
   * How long an operation keeps retrying, with backoff, while the server cannot be reached (it
   * restarts, say) before it fails with `StoreUnavailableError`; default 15,000 ms. 0: no retry.
   */
  readonly reconnectTimeoutMs?: number;
  /**
   * The number of virtual shards (`OwnershipStore.shardCount`), 1 to 65,536; default 64. Used only
   * when the schema is created: an existing schema keeps the count it was created with.
   */
  readonly shardCount?: number;
  /**
   * Whether `watchInbox` hears other processes' inbox changes through `LISTEN/NOTIFY` (one more
   * connection while someone watches); default true. Off, only this store's own changes are told,
   * and engines find the others by polling the inbox.
   */
  readonly notifications?: boolean;
  /**
   * Whether appends of several workflows that arrive in the same tick go to the server as one
   * statement (one round trip; each still conditional on its own row and fence, and written or
   * refused alone); default true. Off, each append is a statement of its own.
   */
  readonly groupAppends?: boolean;
}

/** The schema when none is given. */
export const DEFAULT_SCHEMA = 'reprise';
/** The retry window when none is given. */
export const DEFAULT_RECONNECT_TIMEOUT_MS = 15_000;

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Checks the options; a bad one throws `InvalidArgumentError` naming it. */
export function checkOptions(
  connection: PostgresConnection,
  options: PostgresStoreOptions,
): {
  schema: string;
  reconnectTimeoutMs: number;
  shardCount: number;
  notifications: boolean;
  groupAppends: boolean;
} {
  if (typeof connection !== 'object' || connection === null) {
    throw new InvalidArgumentError('connection', 'must be { connectionString } or { pool }');
  }
  if ('pool' in connection) {
    const pool = connection.pool as unknown as { connect?: unknown } | null;
    if (typeof pool !== 'object' || pool === null || typeof pool.connect !== 'function') {
      throw new InvalidArgumentError('connection.pool', 'must be a pg.Pool');
    }
  } else {
    if (typeof connection.connectionString !== 'string' || connection.connectionString.length === 0) {
      throw new InvalidArgumentError(
        'connection.connectionString',
        `${JSON.stringify(connection.connectionString)} must be a non-empty connection URL`,
      );
    }
    const max = connection.maxConnections;
    if (max !== undefined && (!Number.isInteger(max) || max < 1)) {
      throw new InvalidArgumentError(
        'connection.maxConnections',
        `${JSON.stringify(max)} must be a positive integer`,
      );
    }
  }
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'must be an object');
  }
  const schema = options.schema ?? DEFAULT_SCHEMA;
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new InvalidArgumentError(
      'options.schema',
      `${JSON.stringify(schema)} must be letters, digits and _ (not first), at most 63 characters`,
    );
  }
  const reconnectTimeoutMs = options.reconnectTimeoutMs ?? DEFAULT_RECONNECT_TIMEOUT_MS;
  if (!Number.isFinite(reconnectTimeoutMs) || reconnectTimeoutMs < 0) {
    throw new InvalidArgumentError(
      'options.reconnectTimeoutMs',
      `${JSON.stringify(options.reconnectTimeoutMs)} must be a number of milliseconds, 0 or more`,
    );
  }
  const maxPayloadBytes = options.maxPayloadBytes;
  if (maxPayloadBytes !== undefined && (!Number.isSafeInteger(maxPayloadBytes) || maxPayloadBytes <= 0)) {
    throw new InvalidArgumentError(
      'options.maxPayloadBytes',
      `${JSON.stringify(maxPayloadBytes)} must be a positive integer`,
    );
  }
  if (options.notifications !== undefined && typeof options.notifications !== 'boolean') {
    throw new InvalidArgumentError(
      'options.notifications',
      `${JSON.stringify(options.notifications)} is not a boolean`,
    );
  }
  if (options.groupAppends !== undefined && typeof options.groupAppends !== 'boolean') {
    throw new InvalidArgumentError(
      'options.groupAppends',
      `${JSON.stringify(options.groupAppends)} is not a boolean`,
    );
  }
  const shardCount = checkShardCount(options.shardCount ?? DEFAULT_SHARD_COUNT);
  return {
    schema,
    reconnectTimeoutMs,
    shardCount,
    notifications: options.notifications ?? true,
    groupAppends: options.groupAppends ?? true,
  };
}
