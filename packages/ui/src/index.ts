/**
 * `@reprise/ui`: the local web UI. `serveUi(engine, { port })` serves it for an engine in this
 * process, on 127.0.0.1: runs with filters and counts, a run's timeline drawn as bars, input,
 * outcome, children as a tree and raw events, the live supervision tree, schedules, and signal,
 * update, cancel, terminate, pause, resume and reset buttons guarded by a token and a
 * same-origin check. `reprise ui` serves it over a data directory. See the package README.
 *
 * @packageDocumentation
 */

export { engineSource } from './engine-source.js';
export { DEFAULT_UI_PORT, serveUi, serveUiSource, type UiOptions, type UiServer } from './serve.js';
export type {
  UiNewRun,
  UiResetOptions,
  UiRunDescription,
  UiRunRow,
  UiSchedules,
  UiSource,
} from './source.js';
export { type StoreSourceActions, storeSource } from './store-source.js';
