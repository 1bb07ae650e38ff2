import { systemClock } from '@reprise/engine';
import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { withExistingStore } from '../data-dir.js';
import { type FilterOptions, filterFromOptions } from '../filter-args.js';
import { collect } from './start.js';

type CountOptions = FilterOptions & { json?: boolean };

/** `reprise count`: how many workflows match the filters `list` takes (read from the store). */
export function registerCount(program: Command, context: CommandContext): void {
  program
    .command('count')
    .description('count workflows, with the filters of list')
    .option('--status <statuses>', 'only these statuses, comma-separated')
    .option('--type <type>', 'only this workflow type')
    .option(
      '--attr <key=value>',
      'only workflows whose search attribute equals the value (repeatable)',
      collect,
      [],
    )
    .option('--started-after <time>', 'latest run started after (ISO date or time, a duration ago, epoch ms)')
    .option('--started-before <time>', 'latest run started before')
    .option('--closed-after <time>', 'latest run closed after')
    .option('--closed-before <time>', 'latest run closed before')
    .option('--json', 'print { count } as JSON')
    .action(async (options: CountOptions, command: Command) => {
      const filter = filterFromOptions(options, systemClock.now());
      const count = await withExistingStore(context.data(command), (store) => store.count(filter));
      context.out(options.json ? JSON.stringify({ count }) : String(count));
    });
}
