// Property: client starts decide as the id reuse policy says, whether this process knows the
// id's history (a run of it here, a writer that read it) or not (a fresh engine, a closed run let
// go: the start records as a new id and meets the history). Random starts (ids from a small set,
// every policy, onConflict 'fail' or 'useExisting', sometimes two at once: the second sees the
// first's run open), completions, failures and engine restarts on one store give the outcomes
// (started, existing handle, refused), runIds and histories of a model of the policy.
import { defineWorkflow, InMemoryStore, statusFromEvents, type WorkflowEvent } from '@reprise/core';
import type { IdReusePolicy } from '@reprise/engine';
import { createTestEngine, type TestEngine } from '@reprise/testkit';
import fc from 'fast-check';
import { reopenable } from './helpers.js';

/** 'now' completes in its first step, 'failNow' fails there, 'wait' waits for how to end. */
type Input = 'now' | 'failNow' | 'wait';
type Closed = 'Completed' | 'Failed';
type Status = 'Running' | Closed;

const job = defineWorkflow('job', async (ctx, input: Input) => {
  if (input === 'failNow') throw new Error('failed in the first step');
  if (input === 'now') return 'done';
  const how = await ctx.waitForSignal<'complete' | 'fail'>('end');
  if (how === 'fail') throw new Error('failed later');
  return 'done';
});

const IDS = ['a', 'b', 'c'] as const;
type Id = (typeof IDS)[number];

type Op =
  | {
      readonly kind: 'start';
      readonly id: Id;
      readonly input: Input;
      readonly idReusePolicy: IdReusePolicy;
      readonly onConflict: 'fail' | 'useExisting';
      /** Two such starts at once, on one engine. */
      readonly twice: boolean;
    }
  | { readonly kind: 'end'; readonly id: Id; readonly how: 'complete' | 'fail' }
  | { readonly kind: 'restart' };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('start' as const),
      id: fc.constantFrom(...IDS),
      input: fc.constantFrom<Input>('now', 'failNow', 'wait'),
      idReusePolicy: fc.constantFrom<IdReusePolicy>(
        'allowDuplicate',
        'allowDuplicateFailedOnly',
        'rejectDuplicate',
      ),
      onConflict: fc.constantFrom('fail' as const, 'useExisting' as const),
      twice: fc.boolean(),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('end' as const),
      id: fc.constantFrom(...IDS),
      how: fc.constantFrom('complete' as const, 'fail' as const),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant('restart' as const) }), weight: 1 },
);

/** The model: each id's runs, oldest first, with their status. */
type Runs = { readonly runId: string; status: Status }[];

type Expected =
  | { readonly kind: 'started' }
  | { readonly kind: 'existing' | 'refused'; readonly run: Runs[number] };

/** What the policy says of a start on `runs`. */
function decide(runs: Runs, op: Extract<Op, { kind: 'start' }>): Expected {
  const current = runs.at(-1);
  if (!current) return { kind: 'started' };
  if (current.status === 'Running')
    return { kind: op.onConflict === 'useExisting' ? 'existing' : 'refused', run: current };
  const reusable =
    op.idReusePolicy === 'allowDuplicate' ||
    (op.idReusePolicy === 'allowDuplicateFailedOnly' && current.status === 'Failed');
  return reusable ? { kind: 'started' } : { kind: 'refused', run: current };
}

const statusOf = (input: Input): Status =>
  input === 'now' ? 'Completed' : input === 'failNow' ? 'Failed' : 'Running';

const runIdsOf = (history: readonly WorkflowEvent[]) =>
  history.flatMap((event) => (event.type === 'WorkflowStarted' ? [event.runId as string] : []));

it('client starts agree with a model of the id reuse policy, known ids or not', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArbitrary, { minLength: 1, maxLength: 14 }), async (ops) => {
      const { store, open } = reopenable(new InMemoryStore());
      const model = new Map<Id, Runs>(IDS.map((id) => [id, []]));
      let env: TestEngine = await createTestEngine({ workflows: [job], store: open() });
      const history = (id: Id) => store.readHistory(id as never);
      try {
        for (const op of ops) {
          if (op.kind === 'restart') {
            await env.close();
            env = await createTestEngine({ workflows: [job], store: open() });
            continue;
          }
          const runs = model.get(op.id) as Runs;
          if (op.kind === 'end') {
            const current = runs.at(-1);
            if (current?.status !== 'Running') continue;
            await env.engine.getHandle(op.id).signal('end', op.how);
            await env.engine
              .getHandle(op.id)
              .result()
              .catch(() => undefined);
            current.status = op.how === 'complete' ? 'Completed' : 'Failed';
          } else {
            const { id, input, idReusePolicy, onConflict } = op;
            const attempts = await Promise.allSettled(
              Array.from({ length: op.twice ? 2 : 1 }, () =>
                env.engine.start(job, input, { workflowId: id, idReusePolicy, onConflict }),
              ),
            );
            const known = new Set(runIds(runs));
            const recorded = runIdsOf(await history(id)).filter((runId) => !known.has(runId));
            let startedNow: Runs[number] | undefined;
            for (const attempt of attempts) {
              // A start that came while another was being recorded sees that run open, as it was.
              const expected = decide(
                startedNow ? [...runs.slice(0, -1), { ...startedNow, status: 'Running' }] : runs,
                op,
              );
              if (expected.kind === 'refused') {
                expect(attempt.status).toBe('rejected');
                expect((attempt as PromiseRejectedResult).reason).toMatchObject({
                  code: 'workflow_already_started',
                  runId: expected.run.runId,
                  status: expected.run.status,
                });
                continue;
              }
              expect(attempt).toMatchObject({ status: 'fulfilled', value: { workflowId: id } });
              if (expected.kind === 'started') {
                const runId = recorded.shift();
                expect(runId).toBeDefined();
                startedNow = { runId: runId as string, status: statusOf(input) };
                runs.push(startedNow);
              }
            }
            expect(recorded).toEqual([]);
          }
          for (const id of IDS) {
            const stored = await history(id);
            const expectedRuns = model.get(id) as Runs;
            expect(runIdsOf(stored)).toEqual(runIds(expectedRuns));
            expect(statusFromEvents(stored)).toBe(expectedRuns.at(-1)?.status);
          }
        }
      } finally {
        await env.close();
      }
    }),
    { numRuns: 100 },
  );
});

function runIds(runs: Runs): string[] {
  return runs.map((run) => run.runId);
}
