// The engine's lifecycle counts the work it started outside any caller's await: shutdown drains
// it, `idle()` sees it, and a failure of it is logged once, naming the workflow it concerns.
import { Lifecycle } from '../src/lifecycle.js';

/** A task the test settles when it likes. */
function gate(): { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('lifecycle', () => {
  it('drains once no tracked work is in flight, including work tracked while it waited', async () => {
    const lifecycle = new Lifecycle({ warn: () => undefined });
    const first = gate();
    const second = gate();
    lifecycle.track(first.promise);
    let drained = false;
    const draining = lifecycle.drain().then(() => {
      drained = true;
    });
    lifecycle.track(second.promise);
    expect(lifecycle.inFlight).toBe(2);
    first.resolve();
    await flush();
    expect(drained).toBe(false);
    expect(lifecycle.inFlight).toBe(1);
    second.reject(new Error('failed on its own'));
    await draining;
    expect(lifecycle.inFlight).toBe(0);
    await lifecycle.drain();
  });

  it('logs a failed task with its message and workflow, and stays quiet once shutting down', async () => {
    const warnings: [string, Record<string, unknown> | undefined][] = [];
    const lifecycle = new Lifecycle({ warn: (message, details) => warnings.push([message, details]) });
    const error = new Error('store unavailable');
    lifecycle.track(Promise.reject(error), 'exit handling failed', 'order-1');
    lifecycle.track(Promise.reject(error));
    await lifecycle.drain();
    expect(warnings).toEqual([
      ['exit handling failed', { workflowId: 'order-1', error }],
      ['background task failed', { error }],
    ]);
    lifecycle.beginShutdown();
    lifecycle.track(Promise.reject(error), 'exit handling failed', 'order-2');
    await lifecycle.drain();
    expect(warnings).toHaveLength(2);
  });
});
