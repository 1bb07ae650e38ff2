/** fromTransition and fromObservable logic as supervised children: state, restarts, exit reasons. */

import { fromObservable, fromTransition, type Observer, type Subscribable, type Subscription } from 'xstate';
import type { ActorProcess, ChildExitedTrace } from '../src/index.js';
import { reasonText, testSystem } from './helpers.js';

type CounterEvent = { type: 'add'; n: number } | { type: 'crash' };

/** A reducer that adds, and throws on `crash`. */
const counter = fromTransition((count: number, event: CounterEvent) => {
  switch (event.type) {
    case 'add':
      return count + event.n;
    case 'crash':
      throw new Error('counter broke');
    default:
      // XState's own events (xstate.stop) leave the count as it is.
      return count;
  }
}, 10);

/** An observable the test drives by hand: it emits, completes or errors when told. */
class Subject<T> implements Subscribable<T> {
  private readonly observers = new Set<Observer<T>>();

  subscribe(
    observerOrNext: Observer<T> | ((value: T) => void),
    error?: (error: unknown) => void,
    complete?: () => void,
  ): Subscription {
    const observer =
      typeof observerOrNext === 'function' ? { next: observerOrNext, error, complete } : observerOrNext;
    this.observers.add(observer);
    return { unsubscribe: () => this.observers.delete(observer) };
  }

  get subscribers(): number {
    return this.observers.size;
  }

  next(value: T): void {
    for (const observer of [...this.observers]) observer.next?.(value);
  }

  complete(): void {
    for (const observer of [...this.observers]) observer.complete?.();
  }

  error(err: unknown): void {
    for (const observer of [...this.observers]) observer.error?.(err);
  }
}

/** Observable logic whose every start subscribes to a fresh subject, kept in `subjects`. */
function observed() {
  const subjects: Subject<number>[] = [];
  const logic = fromObservable<number, undefined>(() => {
    const subject = new Subject<number>();
    subjects.push(subject);
    return subject;
  });
  return { logic, subjects };
}

const exits = (events: readonly { type: string }[]) =>
  events.filter((e): e is ChildExitedTrace => e.type === 'child_exited').map((e) => reasonText(e.reason));

describe('fromTransition under a supervisor', () => {
  it('keeps its state across events and restarts from its initial state after a crash', async () => {
    const t = testSystem();
    const sup = await t.system.startSupervisor({ children: [{ id: 'c', start: () => counter }] });
    const first = sup.getChild('c') as ActorProcess<typeof counter>;
    first.send({ type: 'add', n: 2 });
    first.send({ type: 'add', n: 3 });
    expect(first.getSnapshot().context).toBe(15);

    first.send({ type: 'crash' });
    await t.settle();
    expect((first.exitReason as Error).message).toBe('counter broke');
    expect(exits(t.events)).toEqual(['error:counter broke']);
    const second = sup.getChild('c') as ActorProcess<typeof counter>;
    expect(second.pid).not.toBe(first.pid);
    expect(second.getSnapshot().context).toBe(10);
    second.send({ type: 'add', n: 1 });
    expect(second.getSnapshot().context).toBe(11);
    await t.system.shutdown();
  });
});

describe('fromObservable under a supervisor', () => {
  it('takes emitted values as its context, exits normal on complete, and a permanent child is restarted', async () => {
    const t = testSystem();
    const { logic, subjects } = observed();
    const sup = await t.system.startSupervisor({
      children: [{ id: 'o', start: () => logic, restart: 'permanent' }],
    });
    const first = sup.getChild('o') as ActorProcess<typeof logic>;
    subjects[0]!.next(7);
    expect(first.getSnapshot().context).toBe(7);

    subjects[0]!.complete();
    await t.settle();
    expect(first.exitReason).toBe('normal');
    expect(exits(t.events)).toEqual(['normal']);
    expect(t.events.at(-1)).toMatchObject({ type: 'child_restarted', childId: 'o', previousPid: first.pid });
    const second = sup.getChild('o') as ActorProcess<typeof logic>;
    expect(second.pid).not.toBe(first.pid);
    // The restart subscribed afresh and starts with no value.
    expect(subjects).toHaveLength(2);
    expect(second.getSnapshot().context).toBeUndefined();
    subjects[1]!.next(8);
    expect(second.getSnapshot().context).toBe(8);

    // Stopping the child unsubscribes it.
    await sup.terminateChild('o');
    expect(subjects[1]!.subscribers).toBe(0);
    await t.system.shutdown();
  });

  it('exits with the observable error; a transient child is restarted after it but not after a complete', async () => {
    const t = testSystem();
    const { logic, subjects } = observed();
    const sup = await t.system.startSupervisor({
      children: [{ id: 'o', start: () => logic, restart: 'transient' }],
    });
    const first = sup.getChild('o')!;
    const failure = new Error('feed lost');
    subjects[0]!.error(failure);
    await t.settle();
    expect(first.exitReason).toBe(failure);
    expect(t.events.find((e) => e.type === 'child_exited')).toMatchObject({
      pid: first.pid,
      reason: failure,
    });
    const second = sup.getChild('o')!;
    expect(second.pid).not.toBe(first.pid);
    expect(subjects).toHaveLength(2);

    subjects[1]!.complete();
    await t.settle();
    expect(second.exitReason).toBe('normal');
    expect(exits(t.events)).toEqual(['error:feed lost', 'normal']);
    expect(sup.whichChildren()).toEqual([{ id: 'o', pid: undefined, type: 'worker', restarting: false }]);
    expect(subjects).toHaveLength(2);
    await t.system.shutdown();
  });
});
