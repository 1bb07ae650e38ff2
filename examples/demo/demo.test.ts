// Runs `npm start`'s script twice on a temporary directory: interrupted with SIGINT while
// orders run, then again, resuming them to the end.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// Generous: the test waits only for the demo's lines and exits (two app processes running real
// orders, slow on a busy machine); the timeout bounds a hang, it times nothing.
jest.setTimeout(300_000);

const ROOT = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'reprise-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Demo {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves once the output matches `pattern`; fails if the demo exits first. */
  printed(pattern: RegExp): Promise<void>;
  readonly exited: Promise<number | null>;
}

function demo(): Demo {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'examples/demo/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, REPRISE_DATA: join(dir, 'data'), DEMO_ORDERS: '8', DEMO_UI_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const watchers = new Set<() => void>();
  const take = (chunk: Buffer) => {
    text += chunk.toString();
    for (const watch of [...watchers]) watch();
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const printed = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const watch = () => {
        if (!pattern.test(text)) return;
        watchers.delete(watch);
        resolve();
      };
      watchers.add(watch);
      watch();
      void exited.then(() => reject(new Error(`exited before printing ${pattern}:\n${text}`)));
    });
  return { child, output: () => text, printed, exited };
}

it('is interrupted with runs in flight, and the next run resumes them to the end', async () => {
  const first = demo();
  // Interrupted once its progress line shows an order running, however long that takes.
  await first.printed(/^orders \d+\/8 \| running [1-9]/m);
  first.child.kill('SIGINT');
  expect(await first.exited).toBe(0);
  expect(first.output()).toMatch(/^Batch 1: 8 orders into /m);
  // The demo turns its web UI on and prints the address, with the token its actions need.
  expect(first.output()).toMatch(/^Web UI: http:\/\/127\.0\.0\.1:\d+\/\?token=\S+$/m);
  const interrupted = /^Interrupted: (\d+) order\(s\) still running/m.exec(first.output());
  expect(Number(interrupted?.[1])).toBeGreaterThan(0);

  const second = demo();
  expect(await second.exited).toBe(0);
  const text = second.output();
  expect(text).toMatch(
    new RegExp(
      `^Resumed ${interrupted?.[1]} unfinished order\\(s\\) and \\d+ shipment\\(s\\) of batch 1`,
      'm',
    ),
  );
  // Order 3 has a declined card and order 5 is cancelled by its customer; the rest complete.
  expect(text).toMatch(
    /^Batch 1 finished in [\d.]+s: 8 orders — 6 completed, 1 failed \(card declined\), 1 cancelled\.$/m,
  );
  expect(text).toMatch(
    /^ {2}1[1-4] shipments ran as child workflows · \d+ activity retries · \d+ timers fired/m,
  );
  // The live count and the summary count the same retries: those the batch's histories record.
  const liveRetries = [...text.matchAll(/^orders \d+\/8 \|.* \| retries (\d+) ·/gm)].map((match) => match[1]);
  const summaryRetries = / · (\d+) activity retries · /.exec(text)?.[1];
  expect(liveRetries.length).toBeGreaterThan(0);
  expect(liveRetries.at(-1)).toBe(summaryRetries);
});
