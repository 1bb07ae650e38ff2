export type { IntegrityReport } from './integrity.js';
export { FORMAT_VERSION } from './layout.js';
export { type LmdbStore, openLmdbStore } from './lmdb-store.js';
export { type LmdbStoreOptions, MAX_MAP_SIZE } from './options.js';
