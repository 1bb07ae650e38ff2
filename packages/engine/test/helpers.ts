import {
  defineActivity,
  defineWorkflow,
  InMemoryStore,
  type WorkflowEvent,
  type WorkflowId,
  type WorkflowStore,
} from '@reprise/core';

/**
 * The engine closes its store on shutdown. A test that restarts an engine on the same
 * in-memory data wraps the store so that closing it keeps the data for the next engine.
 */
export function reopenable(store: InMemoryStore = new InMemoryStore()): {
  store: InMemoryStore;
  open: () => WorkflowStore;
} {
  return {
    store,
    open: () =>
      new Proxy(store, {
        get(target, property, receiver) {
          if (property === 'close') return async () => undefined;
          const value = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      }),
  };
}

/**
 * `store` whose reads of `workflowId`'s history are watched: `firstRead` settles once one has
 * returned (a caller waiting on the run's result has seen it open, and waits for news of it).
 */
export function watchedHistoryReads<S extends WorkflowStore>(
  store: S,
  workflowId: WorkflowId,
): { readonly store: S; readonly firstRead: Promise<void> } {
  let read: () => void = () => {};
  const firstRead = new Promise<void>((resolve) => {
    read = resolve;
  });
  const watched = new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof value !== 'function') return value;
      if (key !== 'readHistory') return (value as (...args: unknown[]) => unknown).bind(target);
      return async (id: WorkflowId) => {
        const history = await target.readHistory(id);
        if (id === workflowId) read();
        return history;
      };
    },
  });
  return { store: watched, firstRead };
}

/** Collects `message` signals (queryable as `received`) until one says `stop`, then returns them. */
export const inbox = defineWorkflow('inbox', async (ctx) => {
  const received: unknown[] = [];
  ctx.setQueryHandler('received', () => received as never);
  for (;;) {
    const message = await ctx.waitForSignal('message');
    if (message === 'stop') return received;
    received.push(message);
  }
});

/** A workflow whose one activity runs until the test calls `release()`; it then returns 'opened'. */
export function gatedWorkflow() {
  let release: (() => void) | undefined;
  let attempts = 0;
  const gate = defineActivity(
    'gate',
    () =>
      new Promise<string>((resolve) => {
        attempts++;
        release = () => resolve('opened');
      }),
  );
  const gated = defineWorkflow('gated', async (ctx) => ctx.activity(gate, null));
  return { gate, gated, release: () => release?.(), attempts: () => attempts };
}

const TERMINAL_TYPES: ReadonlySet<string> = new Set([
  'WorkflowCompleted',
  'WorkflowFailed',
  'WorkflowCancelled',
  'WorkflowTerminated',
  'WorkflowTimedOut',
  'WorkflowContinuedAsNew',
]);

/** How many terminal events a history holds (one per closed run, when all is well). */
export const terminalEventCount = (history: readonly WorkflowEvent[]): number =>
  history.filter((event) => TERMINAL_TYPES.has(event.type)).length;
