import type { Command } from 'commander';
import { checkDataPath, DEFAULT_DATA_PATH, isPostgres } from './data-dir.js';
import { CliError } from './errors.js';

/** What every command's action reads from the command line and writes to. */
export interface CommandContext {
  /**
   * `--data`, as given (relative paths are relative to the working directory); a path that is
   * a file, or lies under one, is refused here as bad usage. With `--pg`, its URL instead
   * (`isPostgres` tells them apart).
   */
  data(command: Command): string;
  /** `--verbose`. */
  verbose(command: Command): boolean;
  /** A line to stdout (the command's answer). */
  out(line: string): void;
  /** A line to stderr (notes and progress). */
  note(line: string): void;
  /** Sets the exit status the run ends with (when the action itself finishes normally). */
  exitWith(code: number): void;
}

/** A context over the process's own streams. */
export function processContext(state: { exitCode: number }): CommandContext {
  return {
    data: (command) => {
      const options = command.optsWithGlobals();
      const pg = options.pg as string | undefined;
      if (pg !== undefined) {
        if (command.getOptionValueSourceWithGlobals('data') === 'cli')
          throw new CliError('usage', 'give --data or --pg, not both');
        if (!isPostgres(pg)) throw new CliError('usage', `--pg ${pg} is not a postgresql:// URL`);
        return pg;
      }
      return checkDataPath((options.data as string | undefined) ?? DEFAULT_DATA_PATH);
    },
    verbose: (command) => Boolean(command.optsWithGlobals().verbose),
    out: (line) => process.stdout.write(`${line}\n`),
    note: (line) => process.stderr.write(`${line}\n`),
    exitWith: (code) => {
      state.exitCode = code;
    },
  };
}
