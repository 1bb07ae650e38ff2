import { Command, CommanderError } from 'commander';
import { processContext } from './command-context.js';
import { registerBackup } from './commands/backup.js';
import { registerCancel } from './commands/cancel.js';
import { registerCount } from './commands/count.js';
import { registerDescribe } from './commands/describe.js';
import { registerExport } from './commands/export.js';
import { registerList } from './commands/list.js';
import { registerMigrate } from './commands/migrate.js';
import { registerOperations, registerResetAndFork, registerUpdate } from './commands/operate.js';
import { registerPrune } from './commands/prune.js';
import { registerQuery } from './commands/query.js';
import { registerReplay } from './commands/replay.js';
import { registerRuns } from './commands/runs.js';
import { registerSchedule } from './commands/schedule.js';
import { registerShow } from './commands/show.js';
import { registerSignal } from './commands/signal.js';
import { registerStart } from './commands/start.js';
import { registerUi } from './commands/ui.js';
import { registerVerify } from './commands/verify.js';
import { registerWorker } from './commands/worker.js';
import { DEFAULT_DATA_PATH } from './data-dir.js';
import { EXIT, exitCodeOf } from './exit-codes.js';
import { VERSION } from './version.js';

/**
 * Runs the `reprise` command line (the arguments after the program name) and resolves with
 * the exit status. Errors are reported as one line on stderr (`--verbose` adds the stack).
 */
export async function runCli(args: readonly string[]): Promise<number> {
  const state = { exitCode: EXIT.ok as number };
  const context = processContext(state);
  const program = new Command('reprise')
    .description('Run and inspect Reprise workflows stored in an LMDB directory.')
    .version(VERSION)
    .option('--data <path>', 'the data directory', DEFAULT_DATA_PATH)
    .option(
      '--pg <url>',
      'a PostgreSQL database instead of --data: postgresql://user@host:5432/db (?schema=name; default reprise)',
    )
    .option('--verbose', 'print the stack of an error')
    // Commander's own errors are printed below, as one line like every other error.
    .configureOutput({ outputError: () => undefined })
    .exitOverride();
  for (const register of [
    registerWorker,
    registerStart,
    registerList,
    registerCount,
    registerShow,
    registerDescribe,
    registerQuery,
    registerSignal,
    registerCancel,
    registerSchedule,
    registerPrune,
    registerBackup,
    registerOperations,
    registerUpdate,
    registerResetAndFork,
    registerReplay,
    registerExport,
    registerRuns,
    registerVerify,
    registerMigrate,
    registerUi,
  ]) {
    register(program, context);
  }
  const exitOverride = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(exitOverride);
  };
  program.commands.forEach(exitOverride);
  program.addHelpText(
    'after',
    `
Exit status: 0 ok · 1 unexpected error · 2 bad usage (arguments, JSON, module, workflow type)
             3 not found (workflow or data) · 4 refused (already started/closed, data busy)
             5 replay found non-determinism · 6 store unavailable or unreadable
             7 start --wait: the workflow failed, was cancelled or timed out
Commands that start, signal, cancel, terminate, pause or resume hand the request to the worker
holding --data when one runs; otherwise they record it for the next worker (start then needs
--module or $REPRISE_MODULE). update, reset and fork need a running worker.`,
  );
  try {
    await program.parseAsync([...args], { from: 'user' });
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT.ok; // --help or --version, printed already
      // `commander.help`: no command given, and the help went to stderr in its place.
      if (error.code !== 'commander.help') process.stderr.write(`reprise: ${usageLine(error.message)}\n`);
      return EXIT.usage;
    }
    const verbose = args.includes('--verbose');
    process.stderr.write(`reprise: ${oneLine(error)}\n`);
    if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return exitCodeOf(error);
  }
}

/**
 * Commander's message (`error: unknown option '--bogus'`, sometimes with a second line
 * suggesting a spelling) as one line, with a pointer to the help.
 */
function usageLine(message: string): string {
  const text = message
    .replace(/^error: /, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ');
  return `${text} (see reprise --help)`;
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const first = message.split('\n')[0] ?? message;
  // A remote error without a code of its own was printed without one before it got `remote_error`.
  return typeof code === 'string' &&
    !['usage', 'module_error', 'no_data', 'data_busy', 'no_worker', 'remote_error'].includes(code)
    ? `${first} [${code}]`
    : first;
}
