import {
  InMemoryStore,
  type JsonValue,
  statusFromEvents,
  type WorkflowEvent,
  type WorkflowId,
  type WorkflowStore,
} from '@reprise/core';
import type { TestEngine } from './test-engine.js';

/** Something a scenario does to the checked workflow from outside, `at` ms after it started. */
export type Delivery =
  | { readonly kind: 'signal'; readonly at: number; readonly name: string; readonly payload: JsonValue }
  | { readonly kind: 'cancel'; readonly at: number };

/** One append as the store took it: the unit a crash can cut a history at. */
export interface RecordedAppend {
  readonly workflowId: WorkflowId;
  readonly events: readonly WorkflowEvent[];
}

/** An in-memory store that keeps a log of every append, and outlives the engines that close it. */
export interface RecordingStore {
  /** What engines are given: closing it leaves the data readable. */
  readonly store: WorkflowStore;
  /** The data itself. */
  readonly data: InMemoryStore;
  /** Every successful append, in commit order. */
  readonly appends: RecordedAppend[];
}

/** Wraps `data` (a fresh in-memory store by default) so that appends are logged and `close` keeps it. */
export function recordingStore(data: InMemoryStore = new InMemoryStore()): RecordingStore {
  const appends: RecordedAppend[] = [];
  const store = new Proxy(data, {
    get(target, property, receiver) {
      if (property === 'close') return async () => undefined;
      if (property === 'append') {
        return async (
          workflowId: WorkflowId,
          events: readonly WorkflowEvent[],
          options: { expectedSeq: number },
        ) => {
          const result = await target.append(workflowId, events, options);
          appends.push({ workflowId, events: [...events] });
          return result;
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, data, appends };
}

/** The ids of the workflows a log of appends touched, in the order they first appear. */
export const workflowIdsOf = (appends: readonly RecordedAppend[]): WorkflowId[] => [
  ...new Set(appends.map((append) => append.workflowId)),
];

/** How a drive ended. */
export type DriveEnd =
  /** The checked workflow closed (completed, failed, cancelled or timed out). */
  | 'closed'
  /** Nothing more can happen: no timer is armed and nothing is left to deliver. */
  | 'waiting'
  /** The horizon or the step limit was reached first. */
  | 'horizon';

const MAX_STEPS = 5000;

/**
 * Moves a test engine's virtual clock from one due thing to the next (a timer, or a delivery),
 * letting the engine settle after each, until the workflow closes, nothing more can happen, or
 * `horizonMs` of virtual time have passed since `startedAt`. Signals and cancellations refused
 * because the run has closed are dropped, as a real client's would be.
 */
export async function driveToEnd(
  env: TestEngine,
  workflowId: WorkflowId,
  deliveries: readonly Delivery[],
  startedAt: number,
  horizonMs: number,
): Promise<DriveEnd> {
  const pending = [...deliveries].sort((a, b) => a.at - b.at);
  const handle = env.engine.getHandle(workflowId);
  const store = env.engine.store;
  for (let step = 0; step < MAX_STEPS; step++) {
    await env.idle();
    while (pending.length > 0 && startedAt + (pending[0] as Delivery).at <= env.clock.now()) {
      const delivery = pending.shift() as Delivery;
      if (await closed(store, workflowId)) break;
      try {
        if (delivery.kind === 'signal') await handle.signal(delivery.name, delivery.payload);
        else await handle.cancel('cancelled by the scenario');
      } catch (error) {
        if ((error as { code?: string }).code !== 'workflow_closed') throw error;
      }
      await env.idle();
    }
    if (await closed(store, workflowId)) return 'closed';
    const nextTimer = env.clock.nextTimerAt();
    const nextDelivery = pending[0] === undefined ? undefined : startedAt + pending[0].at;
    const next = Math.min(nextTimer ?? Number.POSITIVE_INFINITY, nextDelivery ?? Number.POSITIVE_INFINITY);
    if (next === Number.POSITIVE_INFINITY) return 'waiting';
    if (next > startedAt + horizonMs) return 'horizon';
    await env.clock.advance(Math.max(0, next - env.clock.now()));
  }
  return 'horizon';
}

async function closed(store: WorkflowStore, workflowId: WorkflowId): Promise<boolean> {
  const status = statusFromEvents(await store.readHistory(workflowId));
  return status !== undefined && status !== 'Running' && status !== 'ContinuedAsNew';
}
