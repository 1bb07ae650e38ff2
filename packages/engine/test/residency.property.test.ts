// Property: keeping few runs in memory (maxResident) or hibernating them changes nothing a
// workflow records. Several workflows run at once, with activities that take virtual time, fail
// and retry, so attempts end while their runs are out of memory and runs come back mid-retry;
// signals arrive while runs wait on them or on something else.
import { defineActivity, defineWorkflow, type WorkflowEvent } from '@reprise/core';
import { VirtualClock } from '@reprise/engine';
import { createTestEngine } from '@reprise/testkit';
import fc from 'fast-check';

type Step =
  | { readonly kind: 'work'; readonly seconds: number; readonly failures: number }
  | { readonly kind: 'sleep'; readonly seconds: number }
  | { readonly kind: 'signal' }
  | { readonly kind: 'child'; readonly seconds: number }
  | { readonly kind: 'both'; readonly seconds: [number, number] };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('work' as const),
    seconds: fc.integer({ min: 0, max: 90 }),
    failures: fc.integer({ min: 0, max: 2 }),
  }),
  fc.record({ kind: fc.constant('sleep' as const), seconds: fc.integer({ min: 1, max: 120 }) }),
  fc.record({ kind: fc.constant('signal' as const) }),
  fc.record({ kind: fc.constant('child' as const), seconds: fc.integer({ min: 0, max: 60 }) }),
  fc.record({
    kind: fc.constant('both' as const),
    seconds: fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 })),
  }),
);

type Mode = { readonly maxResident?: number; readonly hibernateAfter?: number };

async function runAll(scripts: readonly Step[][], mode: Mode) {
  const clock = new VirtualClock(1_767_225_600_000);
  const attempts: string[] = [];
  // Takes `seconds` of the engine's clock, failing its first `failures` attempts.
  const work = defineActivity(
    'work',
    (input: { tag: string; seconds: number; failures: number }, actx) => {
      attempts.push(`${input.tag}#${actx.attempt}`);
      return new Promise<string>((resolve, reject) => {
        clock.setTimeout(() => {
          if (actx.attempt <= input.failures) reject(new Error(`attempt ${actx.attempt} fails`));
          else resolve(`${input.tag} done`);
        }, input.seconds * 1000);
      });
    },
    { startToCloseTimeout: '5m', retry: { initialInterval: '2s', backoffCoefficient: 2 } },
  );
  // Its tag comes from the parent: a child's workflow id holds the parent's random run id.
  const leaf = defineWorkflow('leaf', async (ctx, { tag, seconds }: { tag: string; seconds: number }) => {
    if (seconds > 0) await ctx.sleep(seconds * 1000);
    return ctx.activity(work, { tag, seconds, failures: seconds % 2 });
  });
  const job = defineWorkflow('job', async (ctx, steps: Step[]) => {
    const results: unknown[] = [];
    for (const [i, step] of steps.entries()) {
      const tag = `${ctx.workflowId}.${i}`;
      if (step.kind === 'sleep') await ctx.sleep(step.seconds * 1000);
      else if (step.kind === 'signal') results.push(await ctx.waitForSignal('go'));
      else if (step.kind === 'child') results.push(await ctx.child(leaf, { tag, seconds: step.seconds }));
      else if (step.kind === 'work') {
        results.push(await ctx.activity(work, { tag, seconds: step.seconds, failures: step.failures }));
      } else {
        results.push(
          await Promise.all(
            step.seconds.map((seconds, j) =>
              ctx.activity(work, { tag: `${tag}.${j}`, seconds, failures: j }),
            ),
          ),
        );
      }
    }
    return results;
  });
  const env = await createTestEngine({ workflows: [job, leaf], activities: [work], clock, ...mode });
  const handles = [];
  for (const [i, steps] of scripts.entries()) {
    handles.push(await env.engine.start(job, steps, { workflowId: `job-${i}` }));
  }
  // Each round, every open workflow gets a signal (kept in order until it waits for one), then
  // the clock moves on.
  for (let round = 0; round < 60; round++) {
    const open = await Promise.all(handles.map(async (handle) => (await handle.describe()).status));
    if (open.every((status) => status !== 'Running')) break;
    for (const [i, handle] of handles.entries()) {
      if (open[i] === 'Running') await handle.signal('go', round);
    }
    await env.advance('30s');
  }
  const outcomes = await Promise.all(handles.map((handle) => handle.result()));
  const histories = await Promise.all(handles.map(async (handle) => shape(await handle.history())));
  await env.close();
  return { outcomes, histories, attempts: attempts.sort() };
}

/**
 * A history with its random run id replaced and error stacks left out (they name the line that
 * started the engine), so runs of different engines compare.
 */
function shape(history: WorkflowEvent[]): unknown {
  const start = history[0];
  const runId = start?.type === 'WorkflowStarted' ? start.runId : 'none';
  return JSON.parse(
    JSON.stringify(history, (key, value) => (key === 'stack' ? undefined : value)).replaceAll(runId, 'RUN'),
  );
}

// One test per mode, 13 cases each (52 in all, as many as one test drawing the mode among the
// four ran): pieces a quarter the size, for jest's timeout on a busy machine, where the one
// test of 50 cases ran out of it.
it.each<Mode>([
  { maxResident: 1 },
  { hibernateAfter: 0 },
  { maxResident: 1, hibernateAfter: 0 },
  { maxResident: 2, hibernateAfter: 5_000 },
])(
  'runs kept out of memory (%o) record what runs kept in memory record, and run each attempt once',
  async (mode) => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(stepArbitrary, { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 4 }),
        async (scripts) => {
          const resident = await runAll(scripts, {});
          const constrained = await runAll(scripts, mode);
          expect(constrained).toEqual(resident);
        },
      ),
      { numRuns: 13 },
    );
  },
);
