import { type ActorSystem, createActorSystem, type Supervisor } from '@reprise/actors';
import { createMachine } from 'xstate';

/** What the gateway answers for a payment authorization. */
export interface Authorization {
  readonly approved: boolean;
  readonly by: string;
}

/** A request to the gateway actor. */
export interface AuthorizeEvent {
  readonly type: 'authorize';
  readonly workflowId: string;
  readonly card: string;
  readonly attempt: number;
}

/** The app's own actors: a supervision tree beside the engine, knowing nothing of workflows. */
export interface Shop {
  readonly system: ActorSystem;
  readonly tree: Supervisor;
  /** Sends an event to the payment gateway; false while it is being restarted. */
  authorize(event: AuthorizeEvent): boolean;
  /** How many times the supervisor restarted a crashed child. */
  readonly restarts: () => number;
  stop(): Promise<void>;
}

/**
 * Starts the shop's supervision tree: a `one_for_one` supervisor with the payment gateway, a
 * machine that answers authorizations a little later through `reply` (the app turns the answer
 * into a workflow signal). The gateway's connection drops on every seventh request: the machine
 * throws, the supervisor restarts it, and the request is lost (the workflow asks again).
 */
export async function startShop(reply: (workflowId: string, answer: Authorization) => void): Promise<Shop> {
  let requests = 0;
  let restarts = 0;
  const pending = new Set<NodeJS.Timeout>();
  const gateway = createMachine({
    types: {} as { events: AuthorizeEvent },
    on: {
      authorize: {
        actions: ({ event }) => {
          requests += 1;
          if (requests % 7 === 0) throw new Error('payment gateway: connection reset');
          const timer = setTimeout(() => {
            pending.delete(timer);
            reply(event.workflowId, { approved: event.card !== 'declined', by: 'gateway' });
          }, 300);
          pending.add(timer);
        },
      },
    },
  });
  const system = createActorSystem({
    onTrace: (trace) => {
      if (trace.type === 'child_restarted') restarts += 1;
    },
  });
  const tree = await system.startSupervisor({
    id: 'shop',
    strategy: 'one_for_one',
    intensity: 10,
    period: 10_000,
    children: [
      { id: 'payment-gateway', start: () => gateway, restart: 'permanent', shutdown: 1000, type: 'worker' },
    ],
  });
  return {
    system,
    tree,
    authorize: (event) => {
      const child = tree.getChild('payment-gateway');
      if (!child) return false;
      child.send(event);
      return true;
    },
    restarts: () => restarts,
    stop: async () => {
      for (const timer of pending) clearTimeout(timer);
      await system.shutdown();
    },
  };
}
