// One owner per fact: the engine builds terminal events in exit-handler.ts only (the exit
// handler of the run's supervisor is their one writer) and WorkflowStarted in starter.ts only.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(__dirname, '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** The engine source files that construct an event of one of `types` (an object literal `type: '...'`). */
function constructorsOf(types: readonly string[]): string[] {
  const literal = new RegExp(`type:\\s*'(${types.join('|')})'`);
  return sources(SRC)
    .filter((file) => literal.test(readFileSync(file, 'utf8')))
    .map((file) => relative(SRC, file))
    .sort();
}

it('terminal events are constructed in exit-handler.ts alone', () => {
  const terminals = [
    'WorkflowCompleted',
    'WorkflowFailed',
    'WorkflowCancelled',
    'WorkflowTimedOut',
    'WorkflowContinuedAsNew',
  ];
  expect(constructorsOf(terminals)).toEqual(['exit-handler.ts']);
});

it('WorkflowStarted is constructed in starter.ts alone', () => {
  expect(constructorsOf(['WorkflowStarted'])).toEqual(['starter.ts']);
});
