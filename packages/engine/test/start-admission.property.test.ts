import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { StartAdmission } from '../src/start-admission.js';

/** A start the test settles by hand: how it ends is chosen by the property. */
interface HeldStart {
  readonly id: number;
  readonly ending: 'resolve' | 'reject' | 'throw';
  started: boolean;
  settle?: () => void;
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('StartAdmission', () => {
  it('never has more than its limit in progress, admits in arrival order, and every start gets its own outcome', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.constantFrom<HeldStart['ending']>('resolve', 'reject', 'throw'), {
          minLength: 1,
          maxLength: 24,
        }),
        // Which of the starts in progress settles next, as an index into them.
        fc.array(fc.nat(), { minLength: 24, maxLength: 24 }),
        async (limit, endings, settleOrder) => {
          const admission = new StartAdmission(limit);
          const starts: HeldStart[] = endings.map((ending, id) => ({ id, ending, started: false }));
          const admittedOrder: number[] = [];
          let inProgress = 0;
          let most = 0;
          const outcomes = starts.map((start) =>
            admission
              .admit(
                (held: HeldStart) => {
                  held.started = true;
                  admittedOrder.push(held.id);
                  if (held.ending === 'throw') throw new Error(`thrown ${held.id}`);
                  inProgress++;
                  most = Math.max(most, inProgress);
                  return new Promise<number>((resolve, reject) => {
                    held.settle = () => {
                      inProgress--;
                      if (held.ending === 'resolve') resolve(held.id);
                      else reject(new Error(`rejected ${held.id}`));
                    };
                  });
                },
                start,
                0,
              )
              .then(
                (value) => ({ ok: value }),
                (error: Error) => ({ error: error.message }),
              ),
          );
          await flush();
          let round = 0;
          for (;;) {
            const running = starts.filter((start) => start.settle !== undefined);
            if (running.length === 0) break;
            const next = running[(settleOrder[round++ % settleOrder.length] as number) % running.length];
            const settle = next?.settle as () => void;
            (next as HeldStart).settle = undefined;
            settle();
            await flush();
            expect(admission.inProgress).toBeLessThanOrEqual(limit);
          }
          expect(most).toBeLessThanOrEqual(limit);
          expect(admittedOrder).toEqual(starts.map((start) => start.id));
          expect(await Promise.all(outcomes)).toEqual(
            starts.map((start) =>
              start.ending === 'resolve'
                ? { ok: start.id }
                : { error: `${start.ending === 'throw' ? 'thrown' : 'rejected'} ${start.id}` },
            ),
          );
          expect(admission.inProgress).toBe(0);
          expect(admission.waiting).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('close refuses the starts still waiting and every later one, and lets those in progress finish', async () => {
    const admission = new StartAdmission(1);
    let finishFirst: (value: string) => void = () => undefined;
    const first = admission.admit(
      () =>
        new Promise<string>((resolve) => {
          finishFirst = resolve;
        }),
      null,
      '',
    );
    let secondRan = false;
    const second = admission.admit(
      async () => {
        secondRan = true;
        return 'second';
      },
      null,
      '',
    );
    expect(admission.waiting).toBe(1);
    const closed = new Error('closing');
    admission.close(closed);
    await expect(second).rejects.toBe(closed);
    await expect(admission.admit(async () => 'third', null, '')).rejects.toBe(closed);
    finishFirst('first');
    await expect(first).resolves.toBe('first');
    expect(secondRan).toBe(false);
    expect(admission.inProgress).toBe(0);
  });

  it('a long queue drains in order through its compaction', async () => {
    const admission = new StartAdmission(1);
    const order: number[] = [];
    const all = Array.from({ length: 5000 }, (_, index) =>
      admission.admit(
        async (request: number) => {
          order.push(request);
          return request;
        },
        index,
        0,
      ),
    );
    expect(await Promise.all(all)).toEqual(Array.from({ length: 5000 }, (_, index) => index));
    expect(order).toEqual(Array.from({ length: 5000 }, (_, index) => index));
    expect(admission.waiting).toBe(0);
  });
});

it('hands on a long queue of starts that all throw at once without deepening the stack', async () => {
  const admission = new StartAdmission(1);
  const all = Array.from({ length: 50_000 }, (_, index) =>
    admission
      .admit(
        (request: number): Promise<number> => {
          throw new Error(`refused ${request}`);
        },
        index,
        0,
      )
      .catch((error: Error) => error.message),
  );
  const messages = await Promise.all(all);
  expect(messages[0]).toBe('refused 0');
  expect(messages[49_999]).toBe('refused 49999');
  expect(admission.inProgress).toBe(0);
});
