// The TypeScript blocks of the repository's documentation, as `doc-blocks.test.ts` checks them.
//
// A block is a fence opened with ```ts (indented or not, as inside a list item). The words after
// `ts` are its options: `fragment` means the block is type-checked but not run (it continues a
// thought, or names things of the reader's own app, imported from './my-app.js').
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One fenced TypeScript block of a Markdown file. */
export interface DocBlock {
  /** The Markdown file, relative to the repository root. */
  readonly file: string;
  /** The 1-based line of its opening fence. */
  readonly line: number;
  /** The code, dedented by the fence's indentation. */
  readonly code: string;
  /** Type-checked only, not run. */
  readonly fragment: boolean;
}

const OPEN = /^(\s*)```ts(?:\s+(.*))?$/;
const CLOSE = /^\s*```\s*$/;
const FENCE = /^\s*```/;

/** The blocks of one Markdown text, in order. */
export function blocksOf(file: string, text: string): DocBlock[] {
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  let open: { line: number; indent: number; options: string[]; code: string[] } | undefined;
  let otherFence = false;
  lines.forEach((text, index) => {
    if (open) {
      if (CLOSE.test(text)) {
        blocks.push({
          file,
          line: open.line,
          code: `${open.code.join('\n')}\n`,
          fragment: open.options.includes('fragment'),
        });
        open = undefined;
      } else {
        open.code.push(text.slice(Math.min(open.indent, text.length - text.trimStart().length)));
      }
      return;
    }
    if (otherFence) {
      if (CLOSE.test(text)) otherFence = false;
      return;
    }
    const opening = OPEN.exec(text);
    if (opening) {
      const options = (opening[2] ?? '').split(/\s+/).filter(Boolean);
      const unknown = options.filter((option) => option !== 'fragment');
      if (unknown.length > 0)
        throw new Error(`${file}:${index + 1}: unknown block option ${unknown.join(' ')}`);
      open = { line: index + 1, indent: opening[1]!.length, options, code: [] };
    } else if (FENCE.test(text)) {
      otherFence = true;
    }
  });
  if (open) throw new Error(`${file}:${open.line}: a ts block is never closed`);
  return blocks;
}

/**
 * The Markdown files whose blocks run: the root README, each package's README and docs, every
 * page under a `docs` folder and the examples' README.
 */
export function documentationFiles(root: string): string[] {
  const files = ['README.md', 'examples/README.md'];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  walk('docs');
  for (const entry of readdirSync(join(root, 'packages'), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const pkg = join('packages', entry.name);
    files.push(join(pkg, 'README.md'));
    if (existsSync(join(root, pkg, 'docs'))) walk(join(pkg, 'docs'));
  }
  return files.filter((file) => existsSync(join(root, file))).sort();
}

/** Every block of the documentation, file by file. */
export function documentationBlocks(root: string): DocBlock[] {
  return documentationFiles(root).flatMap((file) => blocksOf(file, readFileSync(join(root, file), 'utf8')));
}
