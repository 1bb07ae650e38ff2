#!/usr/bin/env node
// The `reprise` command as npm links it (package.json `bin`). Plain JavaScript and committed, so
// the link exists right after `npm install`, before any build:
// - an installed package, or a built clone, runs dist/bin.js with plain node;
// - a clone without a build runs the TypeScript source through tsx (a root devDependency), with
//   the `source` export condition so that @reprise/* resolve to their src/ as well.
//   REPRISE_CLI_FROM_SOURCE=1 takes this path even when a build exists.
// Either way bin.ts runs in this process: argv, stdout/stderr and the exit code are its own.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const built = new URL('../dist/bin.js', import.meta.url);

/** tsx's ESM loader API, or undefined where tsx is not installed (a user's install, say). */
async function loadTsx() {
  try {
    return await import('tsx/esm/api');
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

if (existsSync(built) && process.env.REPRISE_CLI_FROM_SOURCE !== '1') {
  await import(built.href);
} else {
  const tsx = await loadTsx();
  if (tsx === undefined) {
    process.stderr.write(
      'reprise: no build (dist/bin.js) and no tsx to run the source: run `npm run build`\n',
    );
    process.exitCode = 1;
  } else {
    tsx.register();
    // Registered after tsx, so it runs first and hands tsx every resolution with `source` added,
    // as `node --conditions=source` would.
    const addSourceCondition = `export const resolve = (specifier, context, next) =>
      next(specifier, { ...context, conditions: [...context.conditions, 'source'] });`;
    register(`data:text/javascript,${encodeURIComponent(addSourceCondition)}`);
    await import(new URL('../src/bin.ts', import.meta.url).href);
  }
}
