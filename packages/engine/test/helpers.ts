import { InMemoryStore, type WorkflowStore } from '@reprise/core';

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
