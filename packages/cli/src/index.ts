/**
 * `@reprise/cli`: the `reprise` command, and the pieces an app embedding an engine uses to let
 * the command reach it (claim the data directory, answer over its control socket).
 */
export { type ClaimResult, ControlServer, type Holder } from './control/control-server.js';
export { claimDataDir, serveEngine } from './control/serve-control.js';
export { controlSocketPath } from './control/socket-path.js';
export { DEFAULT_DATA_PATH } from './data-dir.js';
export { CliError } from './errors.js';
export { EXIT, type ExitCode, exitCodeOf } from './exit-codes.js';
export { type RunReplayResult, replayHistory } from './replay-check.js';
export { loadWorkflowModule, MODULE_ENV, type WorkflowModule } from './workflow-module.js';
