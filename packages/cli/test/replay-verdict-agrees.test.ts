// `reprise replay` (replayHistory) and the testkit's replayHistories give one verdict on the same histories, cases where the two copies once disagreed included.
import {
  defineActivity,
  defineWorkflow,
  envelopeEvents,
  NonDeterminismError,
  type WorkflowEvent,
} from '@reprise/core';
import type { AnyWorkflowDefinition } from '@reprise/core/internal';
import { createTestEngine, type HistoryReplayFailure, replayHistories } from '@reprise/testkit';
import fc from 'fast-check';
import { replayHistory } from '../src/replay-check.js';

const stepA = defineActivity('a', async (n: number) => n + 1);
const stepB = defineActivity('b', async (n: number) => n * 2);

type Step = { readonly kind: 'a' | 'b' | 'sleep' | 'signal' };
type End =
  | { readonly kind: 'return'; readonly value: number }
  | { readonly kind: 'fail'; readonly message: string }
  | { readonly kind: 'continue' };
interface Program {
  readonly steps: readonly Step[];
  readonly end: End;
}

/** How the replaying code differs from the recording code. */
type Change =
  | { readonly kind: 'none' }
  | { readonly kind: 'dropStep'; readonly index: number }
  | { readonly kind: 'swapActivities' }
  | { readonly kind: 'extraActivityAtEnd' }
  | { readonly kind: 'tagBeforeEnd' }
  | { readonly kind: 'otherResult' }
  | { readonly kind: 'otherFailure' };

/** The `program` workflow: runs the steps its input lists, with `change` applied. */
function programWorkflow(change: Change): AnyWorkflowDefinition {
  return defineWorkflow('program', async (ctx, program: Program) => {
    let steps = program.steps;
    if (change.kind === 'dropStep') steps = steps.filter((_, index) => index !== change.index);
    if (change.kind === 'swapActivities')
      steps = steps.map((step) =>
        step.kind === 'a' ? { kind: 'b' } : step.kind === 'b' ? { kind: 'a' } : step,
      );
    let total = 0;
    for (const step of steps) {
      if (step.kind === 'a') total = await ctx.activity(stepA, total);
      else if (step.kind === 'b') total = await ctx.activity(stepB, total);
      else if (step.kind === 'sleep') await ctx.sleep('1m');
      else await ctx.waitForSignal<null>('go');
    }
    if (change.kind === 'extraActivityAtEnd') total = await ctx.activity(stepA, total);
    if (change.kind === 'tagBeforeEnd') ctx.upsertSearchAttributes({ tagged: true });
    const end = program.end;
    if (end.kind === 'fail')
      throw new Error(change.kind === 'otherFailure' ? `${end.message}!` : end.message);
    if (end.kind === 'continue') {
      return ctx.continueAsNew({ steps: program.steps.slice(0, 1), end: { kind: 'return', value: 0 } });
    }
    return end.value + total + (change.kind === 'otherResult' ? 1 : 0);
  });
}

/** Runs `program` on a test engine with the unchanged code; every signal it waits for is sent, unless told not to. */
async function recordProgram(program: Program, { sendSignals = true } = {}): Promise<WorkflowEvent[]> {
  const env = await createTestEngine({
    workflows: [programWorkflow({ kind: 'none' })],
    activities: [stepA, stepB],
  });
  try {
    const handle = await env.engine.start('program', program, { workflowId: 'p' });
    if (sendSignals)
      for (const step of program.steps) if (step.kind === 'signal') await handle.signal('go', null);
    await env.advance('1h');
    return [...(await env.engine.store.readHistory(handle.workflowId))];
  } finally {
    await env.close();
  }
}

/** Both verdicts on one history, side by side. */
async function bothVerdicts(code: AnyWorkflowDefinition, history: readonly WorkflowEvent[]) {
  const cli = await replayHistory(new Map([[code.name, code]]), history);
  const [kit] = (await replayHistories([code], [history])).results;
  return { cli, kit: kit as NonNullable<typeof kit> };
}

/** The testkit reports the first divergence the CLI lists, with the same position, seq and texts. */
function expectSameVerdict({ cli, kit }: Awaited<ReturnType<typeof bothVerdicts>>): void {
  const diverged = cli.find((run) => run.verdict === 'diverged');
  if (kit.ok) {
    expect(cli.map((run) => run.verdict)).toEqual(cli.map(() => 'ok'));
    return;
  }
  const failure = kit as HistoryReplayFailure;
  expect(failure.error).toBeInstanceOf(NonDeterminismError);
  const error = failure.error as NonDeterminismError;
  expect(diverged).toEqual({
    workflowId: 'p',
    runId: failure.runId,
    workflowType: 'program',
    verdict: 'diverged',
    position: error.position,
    ...(failure.seq === undefined ? {} : { seq: failure.seq }),
    ...(error.recorded === undefined ? {} : { recorded: error.recorded }),
    ...(error.requested === undefined ? {} : { requested: error.requested }),
    message: error.message,
  });
  // Runs before the first divergence replayed as recorded.
  expect(
    cli.slice(0, cli.indexOf(diverged as (typeof cli)[number])).every((run) => run.verdict === 'ok'),
  ).toBe(true);
}

const programArbitrary: fc.Arbitrary<Program> = fc.record({
  steps: fc.array(fc.record({ kind: fc.constantFrom('a', 'b', 'sleep', 'signal') }), { maxLength: 4 }),
  end: fc.oneof(
    fc.record({ kind: fc.constant('return'), value: fc.integer({ min: 0, max: 9 }) }),
    fc.record({ kind: fc.constant('fail'), message: fc.constantFrom('declined', 'refused') }),
    fc.record({ kind: fc.constant('continue') }),
  ),
}) as fc.Arbitrary<Program>;

const changeArbitrary: fc.Arbitrary<Change> = fc.oneof(
  fc.constant({ kind: 'none' } as const),
  fc.record({ kind: fc.constant('dropStep'), index: fc.integer({ min: 0, max: 3 }) }),
  fc.constantFrom(
    { kind: 'swapActivities' } as const,
    { kind: 'extraActivityAtEnd' } as const,
    { kind: 'tagBeforeEnd' } as const,
    { kind: 'otherResult' } as const,
    { kind: 'otherFailure' } as const,
  ),
);

it('agree on recorded histories and on every prefix of them, for changed and unchanged code', async () => {
  const seen = { ok: 0, diverged: 0 };
  await fc.assert(
    fc.asyncProperty(programArbitrary, changeArbitrary, fc.nat(), async (program, change, cutAt) => {
      const recorded = await recordProgram(program);
      // A prefix is what a reader sees mid-step or after a crash (an input without its commands, say).
      const history = recorded.slice(0, 1 + (cutAt % recorded.length));
      const verdicts = await bothVerdicts(programWorkflow(change), history);
      expectSameVerdict(verdicts);
      seen[verdicts.kit.ok ? 'ok' : 'diverged']++;
    }),
    { numRuns: 60 },
  );
  // Not vacuous: both verdicts came up.
  expect(seen.ok).toBeGreaterThan(0);
  expect(seen.diverged).toBeGreaterThan(0);
});

describe('where the two copies used to disagree', () => {
  /** Records `program`, replays it with `change`: both must report this one divergence. */
  async function divergesForBoth(program: Program, change: Change, recorded: string, requested: string) {
    const verdicts = await bothVerdicts(programWorkflow(change), await recordProgram(program));
    expect(verdicts.kit.ok).toBe(false);
    expect(verdicts.cli).toMatchObject([{ verdict: 'diverged', recorded, requested }]);
    expectSameVerdict(verdicts);
  }

  it('a failure whose message changed diverges for both (the CLI compared only the status)', async () => {
    await divergesForBoth(
      { steps: [{ kind: 'a' }], end: { kind: 'fail', message: 'declined' } },
      { kind: 'otherFailure' },
      'WorkflowFailed Error: "declined"',
      'WorkflowFailed Error: "declined!"',
    );
  });

  it('a command added before an end the code recorded diverges for both (the CLI did not look past the commands)', async () => {
    await divergesForBoth(
      { steps: [{ kind: 'a' }], end: { kind: 'return', value: 1 } },
      { kind: 'tagBeforeEnd' },
      "the run's end (WorkflowCompleted)",
      'SearchAttributesUpdated tagged',
    );
  });

  it('a signal recorded while no worker ran replays for both (the testkit called the commands it leads to a divergence)', async () => {
    const program: Program = {
      steps: [{ kind: 'signal' }, { kind: 'a' }],
      end: { kind: 'return', value: 1 },
    };
    const [started] = await recordProgram(program, { sendSignals: false });
    const start = started as WorkflowEvent;
    // What `reprise signal` appends with no worker running: the input alone, its commands to come.
    const history = [
      start,
      ...envelopeEvents(start.workflowId, start.seq, start.recordedAt + 5, [
        { type: 'SignalReceived', signalName: 'go', payload: null },
      ]),
    ];
    const verdicts = await bothVerdicts(programWorkflow({ kind: 'none' }), history);
    expect(verdicts.kit).toMatchObject({ ok: true });
    expect(verdicts.cli).toMatchObject([{ verdict: 'ok' }]);
  });

  it('a type the code lacks: skipped by the CLI (one directory, several modules), a failure for the testkit', async () => {
    const history = await recordProgram({ steps: [], end: { kind: 'return', value: 1 } });
    const other = defineWorkflow('other', async () => null);
    expect(await replayHistory(new Map([['other', other]]), history)).toMatchObject([{ verdict: 'skipped' }]);
    const [kit] = (await replayHistories([other], [history])).results;
    expect(kit).toMatchObject({ ok: false, error: { code: 'unknown_workflow_type' } });
  });
});
