// Runs one documentation block as a reader would run it (`node --import tsx block.ts`), with
// the `test` and `expect` of a test runner for the blocks that declare tests: the block's
// module is evaluated, then its tests run one after the other. Exit status 1 if any failed.
//
//   node --conditions=source --import tsx test/doc-blocks/run-block.ts <block.ts>
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'expect';

type TestBody = () => unknown;
const tests: { name: string; body: TestBody }[] = [];
const declare = (name: string, body: TestBody): void => {
  tests.push({ name, body });
};
Object.assign(globalThis, { test: declare, it: declare, expect });

const path = process.argv[2];
if (!path) throw new Error('usage: run-block.ts <block.ts>');
await import(pathToFileURL(resolve(path)).href);
for (const { name, body } of tests) {
  try {
    await body();
    console.log(`ok: ${name}`);
  } catch (error) {
    console.error(`FAILED: ${name}`);
    console.error(error);
    process.exitCode = 1;
  }
}
