/**
 * `@reprise/store-lmdb/internal`: what Reprise's own packages use of the store beyond its
 * public surface (`index.ts`). The CLI's `reprise verify` walks the data file's pages
 * (`walkDataFile`) before it opens the store, since LMDB faults the process on some damaged
 * pages instead of failing. Nothing here is a stable API, and it has no API report.
 *
 * @packageDocumentation
 */

export { MAX_PROBLEMS, type PageWalkReport, walkDataFile } from './page-walk.js';
