import { runOrderCheckout } from './run.js';

// Generous: the app runs on the real clock and LMDB with fsync, and the test waits only for its
// results (slow on a busy machine); the timeout bounds a hang, it times nothing.
jest.setTimeout(120_000);

it('retries a flaky charge, fails a declined card and cancels on request, releasing stock', async () => {
  const lines: string[] = [];
  const outcomes = await runOrderCheckout((line) => lines.push(line));
  expect(outcomes).toEqual([
    { orderId: 'A-1', status: 'Completed', detail: 'charged 21 after 3 attempts' },
    { orderId: 'B-2', status: 'Failed', detail: expect.stringContaining('card of order B-2 declined') },
    { orderId: 'C-3', status: 'Cancelled', detail: expect.stringContaining('customer changed their mind') },
  ]);
  expect(lines).toContain('stock released for: B-2, C-3');
});
