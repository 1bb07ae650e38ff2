export { SCHEMA_VERSION } from './migrations.js';
export {
  DEFAULT_RECONNECT_TIMEOUT_MS,
  DEFAULT_SCHEMA,
  type PostgresConnection,
  type PostgresStoreOptions,
} from './options.js';
export { openPostgresStore, type PostgresStore } from './postgres-store.js';
