// Model-based property: random interleavings of start, signal, update, cancel, terminate, pause,
// resume and engine restarts, on two workflow ids, agree with a small model of each workflow's
// status, paused flag, result and update answers. In-memory store (kept across restarts), virtual
// clock; after each command the engine is let go idle and compared with the model.
import { defineWorkflow, InMemoryStore, type JsonValue, type WorkflowStore } from '@reprise/core';
import { createTestEngine, type TestEngine } from '@reprise/testkit';
import fc from 'fast-check';

/** Adds what `inc` signals and `add` updates bring; `finish` (a signal) returns the total. */
const counter = defineWorkflow('model-counter', async (ctx) => {
  let total = 0;
  ctx.setUpdateHandler(
    'add',
    (amount: number) => {
      total += amount;
      return total;
    },
    {
      validator: (amount) => {
        if (amount < 0) throw new RangeError('negative');
      },
    },
  );
  for (;;) {
    const signal = await ctx.waitForSignal<{ inc?: number; finish?: true }>('op');
    if (signal?.finish) return total;
    total += signal?.inc ?? 0;
  }
});

const IDS = ['a', 'b'] as const;
type Id = (typeof IDS)[number];

type Held =
  | { kind: 'inc'; n: number }
  | { kind: 'finish' }
  | { kind: 'cancel' }
  | { kind: 'update'; n: number; ticket: number };

interface ModelRun {
  status: 'Running' | 'Completed' | 'Cancelled' | 'Terminated';
  total: number;
  paused: boolean;
  held: Held[];
  cancelRequested: boolean;
  result?: number;
}

/** What the real side keeps between commands. */
interface Real {
  env: TestEngine;
  readonly store: WorkflowStore;
  /** Update calls made while their run was paused: how each settled, once it has. */
  readonly tickets: Map<number, { settled?: { ok: true; value: JsonValue } | { ok: false; code: string } }>;
}

interface Model {
  readonly runs: Map<Id, ModelRun>;
  /** What each held update must answer once its run resumes (or how it must fail). */
  readonly expected: Map<number, { ok: true; value: number } | { ok: false; code: string }>;
  nextTicket: number;
}

/** The store outlives engines: a restart opens a new engine on it. */
function keptStore(store: InMemoryStore): WorkflowStore {
  return {
    append: (workflowId, events, options) => store.append(workflowId, events, options),
    readHistory: (workflowId, options) => store.readHistory(workflowId, options),
    lastSeq: (workflowId) => store.lastSeq(workflowId),
    listActive: () => store.listActive(),
    dueTimers: (upTo) => store.dueTimers(upTo),
    close: async () => undefined,
    getSummary: (workflowId) => store.getSummary(workflowId),
    query: (filter) => store.query(filter),
    count: (filter) => store.count(filter),
  };
}

const codeOf = (error: unknown): string => (error as { code?: string }).code ?? String(error);

/** Applies one input to an unpaused open run of the model. */
function applyToModel(model: Model, run: ModelRun, input: Held): void {
  if (run.status !== 'Running') {
    if (input.kind === 'update') model.expected.set(input.ticket, { ok: false, code: 'workflow_closed' });
    return;
  }
  switch (input.kind) {
    case 'inc':
      if (!run.cancelRequested) run.total += input.n;
      return;
    case 'update':
      run.total += input.n;
      model.expected.set(input.ticket, { ok: true, value: run.total });
      return;
    case 'finish':
      if (!run.cancelRequested) {
        run.status = 'Completed';
        run.result = run.total;
      }
      return;
    case 'cancel':
      run.cancelRequested = true;
      run.status = 'Cancelled';
      return;
  }
}

type Op =
  | { op: 'start'; id: Id }
  | { op: 'inc'; id: Id; n: number }
  | { op: 'finish'; id: Id }
  | { op: 'update'; id: Id; n: number }
  | { op: 'cancel'; id: Id }
  | { op: 'terminate'; id: Id }
  | { op: 'pause'; id: Id }
  | { op: 'resume'; id: Id }
  | { op: 'restart' };

class OpCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly step: Op) {}

  check(): boolean {
    return true;
  }

  toString(): string {
    return JSON.stringify(this.step);
  }

  async run(model: Model, real: Real): Promise<void> {
    const step = this.step;
    if (step.op === 'restart') {
      await real.env.close();
      real.env = await createTestEngine({
        workflows: [counter],
        store: real.store,
        startAt: real.env.clock.now(),
      });
      await real.env.idle();
      await compare(model, real);
      return;
    }
    const handle = real.env.engine.getHandle(step.id);
    const run = model.runs.get(step.id);
    const open = run?.status === 'Running';
    const refusal = !run ? 'workflow_not_found' : open ? undefined : 'workflow_closed';
    const expectRefused = async (call: Promise<unknown>) => {
      const outcome = await call.then(
        () => 'ok',
        (error: unknown) => codeOf(error),
      );
      expect(outcome).toBe(refusal ?? 'ok');
    };
    switch (step.op) {
      case 'start':
        if (open) return; // a second run of an open id is another property
        await real.env.engine.start(counter, null, { workflowId: step.id });
        model.runs.set(step.id, {
          status: 'Running',
          total: 0,
          paused: false,
          held: [],
          cancelRequested: false,
        });
        break;
      case 'inc':
      case 'finish':
        await expectRefused(handle.signal('op', step.op === 'inc' ? { inc: step.n } : { finish: true }));
        if (run && open) {
          const input: Held = step.op === 'inc' ? { kind: 'inc', n: step.n } : { kind: 'finish' };
          if (run.paused) run.held.push(input);
          else applyToModel(model, run, input);
        }
        break;
      case 'cancel': {
        const result = await handle.cancel().then(
          (value) => value.status,
          (error: unknown) => codeOf(error),
        );
        expect(result).toBe(run ? run.status : 'workflow_not_found');
        if (run && open) {
          if (run.paused) run.held.push({ kind: 'cancel' });
          else applyToModel(model, run, { kind: 'cancel' });
        }
        break;
      }
      case 'update': {
        if (step.n < 0 || !open || !run) {
          const outcome = await handle.executeUpdate('add', step.n).then(
            () => 'ok',
            (error: unknown) => codeOf(error),
          );
          expect(outcome).toBe(refusal ?? 'update_rejected');
          break;
        }
        if (!run.paused) {
          expect(await handle.executeUpdate('add', step.n)).toBe(run.total + step.n);
          applyToModel(model, run, { kind: 'update', n: step.n, ticket: -1 });
          break;
        }
        const ticket = model.nextTicket++;
        const slot: { settled?: { ok: true; value: JsonValue } | { ok: false; code: string } } = {};
        real.tickets.set(ticket, slot);
        handle.executeUpdate('add', step.n).then(
          (value) => {
            slot.settled = { ok: true, value };
          },
          (error: unknown) => {
            slot.settled = { ok: false, code: codeOf(error) };
          },
        );
        run.held.push({ kind: 'update', n: step.n, ticket });
        break;
      }
      case 'terminate':
        await expectRefused(handle.terminate('model'));
        if (run && open) {
          run.status = 'Terminated';
          run.paused = false;
          for (const held of run.held)
            if (held.kind === 'update')
              model.expected.set(held.ticket, { ok: false, code: 'workflow_closed' });
          run.held = [];
        }
        break;
      case 'pause':
        await expectRefused(handle.pause());
        if (run && open) run.paused = true;
        break;
      case 'resume':
        await expectRefused(handle.resume());
        if (run && open && run.paused) {
          run.paused = false;
          for (const held of run.held.splice(0)) applyToModel(model, run, held);
        }
        break;
    }
    await real.env.idle();
    await compare(model, real);
  }
}

async function compare(model: Model, real: Real): Promise<void> {
  for (const id of IDS) {
    const run = model.runs.get(id);
    if (!run) continue;
    const description = await real.env.engine.getHandle(id).describe();
    expect({ id, status: description.status, paused: description.paused === true }).toEqual({
      id,
      status: run.status,
      paused: run.paused,
    });
    if (run.status === 'Completed') expect(await real.env.engine.getHandle(id).result()).toBe(run.result);
  }
  for (const [ticket, expected] of model.expected) {
    const slot = real.tickets.get(ticket);
    // A call cut off by a restart settled with engine_closed; the update itself still counted.
    if (slot?.settled && !(slot.settled.ok === false && slot.settled.code === 'engine_closed')) {
      expect({ ticket, ...slot.settled }).toEqual({ ticket, ...expected });
    }
  }
}

const id = fc.constantFrom(...IDS);
const opArbitrary: fc.Arbitrary<OpCommand> = fc
  .oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('start' as const), id }) },
    {
      weight: 3,
      arbitrary: fc.record({ op: fc.constant('inc' as const), id, n: fc.integer({ min: 1, max: 5 }) }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('finish' as const), id }) },
    {
      weight: 3,
      arbitrary: fc.record({ op: fc.constant('update' as const), id, n: fc.integer({ min: -1, max: 5 }) }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('cancel' as const), id }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('terminate' as const), id }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('pause' as const), id }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('resume' as const), id }) },
    { weight: 1, arbitrary: fc.constant({ op: 'restart' as const }) },
  )
  .map((step) => new OpCommand(step as Op));

it('operating runs agrees with the model of their status, results and update answers', async () => {
  await fc.assert(
    fc.asyncProperty(fc.commands([opArbitrary], { maxCommands: 30, size: 'max' }), async (commands) => {
      const store = keptStore(new InMemoryStore());
      const real: Real = {
        env: await createTestEngine({ workflows: [counter], store }),
        store,
        tickets: new Map(),
      };
      const model: Model = { runs: new Map(), expected: new Map(), nextTicket: 0 };
      try {
        await fc.asyncModelRun(() => ({ model, real }), commands);
      } finally {
        await real.env.close();
      }
    }),
    { numRuns: 60 },
  );
});
