/**
 * `@reprise/cli`: the `reprise` command (`src/bin.ts`), and what an app that runs its own
 * engine uses to let the command reach it: claim the data directory before `Engine.create`,
 * then answer the command over the directory's control socket. See the package README.
 *
 * This file is the public surface, kept in `cli.api.md`. The command's own modules are not
 * exported; `ControlServer` is exported as a type (`claimDataDir` makes it), and its members
 * the commands use among themselves are tagged internal and stripped from the published
 * declarations by `stripInternal` in tsconfig.json.
 *
 * @packageDocumentation
 */

export type { ControlServer } from './control/control-server.js';
export { claimDataDir, serveEngine } from './control/serve-control.js';
export { CliError, type CliErrorCode } from './errors.js';
