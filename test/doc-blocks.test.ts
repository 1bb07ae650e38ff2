// Every TypeScript block of the documentation type-checks, and every block not marked
// `fragment` runs to the end, twice in the same folder, as a reader who copies it would run it
// (a second run must not trip over what the first one stored). See doc-blocks/extract.ts.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { blocksOf, type DocBlock, documentationBlocks } from './doc-blocks/extract.js';

const ROOT = resolve(__dirname, '..');
const RUNNER = join(ROOT, 'test/doc-blocks/run-block.ts');
/** tsx by path: the block runs in a folder of its own, outside the repository. */
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
/** A hang bound for one run of a block (node and tsx start in seconds on a busy machine). */
const RUN_TIMEOUT_MS = 120_000;

const blocks = documentationBlocks(ROOT);
const fileNameOf = (block: DocBlock) => `${block.file.replace(/[^A-Za-z0-9]+/g, '-')}-${block.line}.ts`;
const nameOf = (block: DocBlock) => `${block.file}:${block.line}`;

let dir: string;
beforeAll(() => {
  mkdirSync(join(ROOT, '.doc-blocks'), { recursive: true });
  dir = mkdtempSync(join(ROOT, '.doc-blocks', 'run-'));
  copyFileSync(join(ROOT, 'test/doc-blocks/my-app.ts'), join(dir, 'my-app.ts'));
  // `export {}` makes a block without imports a module, so it may await at top level.
  for (const block of blocks) writeFileSync(join(dir, fileNameOf(block)), `${block.code}export {};\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the block extractor', () => {
  it('finds indented blocks, reads options and skips other fences', () => {
    const text = [
      '```sh',
      '```ts inside a shell block is not a block',
      '```',
      '1. a step:',
      '   ```ts',
      '   const a = 1;',
      '     const b = 2;',
      '   ```',
      '```ts fragment',
      'a;',
      '```',
    ].join('\n');
    expect(blocksOf('x.md', text)).toEqual([
      { file: 'x.md', line: 5, code: 'const a = 1;\n  const b = 2;\n', fragment: false },
      { file: 'x.md', line: 9, code: 'a;\n', fragment: true },
    ]);
  });

  it('refuses an option it does not know, and a block never closed', () => {
    expect(() => blocksOf('x.md', '```ts fragmnet\n```')).toThrow('x.md:1: unknown block option fragmnet');
    expect(() => blocksOf('x.md', '\n```ts\nconst a = 1;')).toThrow('x.md:2: a ts block is never closed');
  });

  it('finds the blocks of the READMEs', () => {
    expect(blocks.map((block) => block.file)).toEqual(
      expect.arrayContaining(['packages/engine/README.md', 'packages/testkit/README.md']),
    );
  });
});

test('every block type-checks', () => {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.tests.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const files = blocks.map((block) => join(dir, fileNameOf(block)));
  const program = ts.createProgram(files, { ...options, noEmit: true });
  const problems = blocks.flatMap((block, i) =>
    ts.getPreEmitDiagnostics(program, program.getSourceFile(files[i]!)).map((diagnostic) => {
      const at = diagnostic.file?.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      const where = at ? `${block.file}:${block.line + 1 + at.line}:${at.character + 1}` : block.file;
      return `${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    }),
  );
  expect(problems).toEqual([]);
}, 300_000);

const runnable = blocks.filter((block) => !block.fragment);

test.each(runnable.map((block) => [nameOf(block), block] as const))(
  '%s runs, and runs again',
  async (_name, block) => {
    const cwd = mkdtempSync(join(tmpdir(), 'reprise-doc-block-'));
    try {
      for (const round of ['first', 'second']) {
        const result = await runBlock(join(dir, fileNameOf(block)), cwd);
        if (result.code !== 0) {
          throw new Error(`${round} run exited with ${result.code}\n${result.stdout}\n${result.stderr}`);
        }
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  },
  2 * RUN_TIMEOUT_MS,
);

function runBlock(file: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--conditions=source', '--import', TSX, RUNNER, file],
      { cwd, timeout: RUN_TIMEOUT_MS },
      (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}
