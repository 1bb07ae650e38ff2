// Window: a reader that stops early (`reprise --help | head -1`) closed the pipe while the CLI
// was writing, and the CLI died of an unhandled EPIPE with a stack trace instead of ending.
import { spawn } from 'node:child_process';
import { BUILT_BIN, CLI_TEST_TIMEOUT_MS, ROOT } from './cli-process.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

it('ends cleanly when its reader has closed the pipe', async () => {
  // The built binary, as `npm test` builds it first: the test's subject is bin.ts itself.
  const child = spawn(process.execPath, [BUILT_BIN, '--help'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  // Close our end before the CLI writes, as a reader that has already stopped would.
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('exit', (status) => resolve(status)));
  expect(stderr).not.toMatch(/EPIPE|Unhandled/);
  expect(code).toBe(0);
});
