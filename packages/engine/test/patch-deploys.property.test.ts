// Property: a run restarted onto a sequence of code versions, each slot of which is at a stage
// of the patch lifecycle (old code, patched, deprecated, removed), ends as the versioning rules
// predict: the branch each slot took is the one the version live at that slot chose, a marker is
// recorded iff that version called patched/deprecatePatch, and the run stalls, naming the
// position, exactly when a version replays a slot that took the old branch with code that has
// no old branch left (deprecated or removed too early). The replay verdict (replayHistories)
// agrees with the engine.
import {
  defineActivity,
  defineWorkflow,
  type JsonValue,
  type WorkflowContext,
  type WorkflowDefinition,
  type WorkflowEvent,
} from '@reprise/core';
import { createTestEngine, replayHistories, type TestEngine } from '@reprise/testkit';
import fc from 'fast-check';
import { reopenable } from './helpers.js';

/** 0: the old code; 1: `patched` chooses; 2: `deprecatePatch`, new branch only; 3: patch call removed. */
type Stage = 0 | 1 | 2 | 3;
const SLOTS = 3;

const olds = Array.from({ length: SLOTS }, (_, i) => defineActivity(`old${i}`, async () => `old${i}`));
const news = Array.from({ length: SLOTS }, (_, i) => defineActivity(`new${i}`, async () => `new${i}`));

/** One version of the `patchy` workflow: each slot waits for `go`, then runs its old or new activity. */
function version(stages: readonly Stage[]): WorkflowDefinition<JsonValue, unknown> {
  return defineWorkflow('patchy', async (ctx: WorkflowContext) => {
    const taken: string[] = [];
    for (let slot = 0; slot < SLOTS; slot++) {
      await ctx.waitForSignal('go');
      const patchId = `slot-${slot}`;
      let useNew: boolean;
      switch (stages[slot]) {
        case 0:
          useNew = false;
          break;
        case 1:
          useNew = ctx.patched(patchId);
          break;
        case 2:
          ctx.deprecatePatch(patchId);
          useNew = true;
          break;
        default:
          useNew = true;
      }
      const activity = useNew ? news[slot] : olds[slot];
      taken.push(await ctx.activity(activity as (typeof olds)[number], null));
    }
    return taken;
  }) as WorkflowDefinition<JsonValue, unknown>;
}

/** A deploy: the stages of its code, and how many slots the run goes through on it. */
interface Deploy {
  readonly stages: readonly Stage[];
  readonly signals: number;
}

const stageArbitrary = fc.constantFrom<Stage>(0, 1);
/** Stages only move forward; mostly one stage at a time, sometimes two (deprecating too early). */
const stepArbitrary = fc.constantFrom(0, 0, 1, 1, 1, 2);

const deploysArbitrary: fc.Arbitrary<Deploy[]> = fc
  .record({
    first: fc.array(stageArbitrary, { minLength: SLOTS, maxLength: SLOTS }),
    steps: fc.array(fc.array(stepArbitrary, { minLength: SLOTS, maxLength: SLOTS }), { maxLength: 3 }),
    signals: fc.array(fc.integer({ min: 0, max: SLOTS }), { minLength: 4, maxLength: 4 }),
  })
  .map(({ first, steps, signals }) => {
    const versions: Stage[][] = [first as Stage[]];
    for (const step of steps) {
      const previous = versions.at(-1) as Stage[];
      versions.push(previous.map((stage, slot) => Math.min(3, stage + (step[slot] ?? 0)) as Stage));
    }
    return versions.map((stages, index) => ({
      stages,
      signals: index === versions.length - 1 ? SLOTS : (signals[index] ?? 0),
    }));
  });

/** What the rules predict: the slots' branches, their markers, and the first stall (position, deploy). */
interface Prediction {
  readonly taken: { readonly branch: 'old' | 'new'; readonly stage: Stage }[];
  readonly stall: { readonly position: number; readonly deploy: number } | undefined;
}

/** Whether code at `stages` replays the slots taken so far; the first slot it cannot, if any. */
function divergence(stages: readonly Stage[], taken: Prediction['taken']): number | undefined {
  const index = taken.findIndex((slot, position) => slot.branch === 'old' && (stages[position] ?? 0) >= 2);
  return index < 0 ? undefined : index;
}

function predict(deploys: readonly Deploy[]): Prediction {
  const taken: { branch: 'old' | 'new'; stage: Stage }[] = [];
  for (const [index, deploy] of deploys.entries()) {
    // A restart replays the open run with this deploy's code.
    if (taken.length < SLOTS) {
      const position = divergence(deploy.stages, taken);
      if (position !== undefined) return { taken, stall: { position, deploy: index } };
    }
    for (let n = 0; n < deploy.signals && taken.length < SLOTS; n++) {
      const stage = deploy.stages[taken.length] ?? 0;
      taken.push({ branch: stage >= 1 ? 'new' : 'old', stage });
    }
  }
  return { taken, stall: undefined };
}

const markersOf = (history: readonly WorkflowEvent[]) =>
  history.flatMap((event) => (event.type === 'PatchMarker' ? [`${event.patchId}:${event.deprecated}`] : []));

describe('deploying patched code under a running workflow', () => {
  it('every run ends as the versioning rules predict, or stalls at the position they name', async () => {
    await fc.assert(
      fc.asyncProperty(deploysArbitrary, async (deploys) => {
        const expected = predict(deploys);
        const data = reopenable();
        let env: TestEngine | undefined;
        let delivered = 0;
        let deployed = 0;
        let last: WorkflowDefinition<JsonValue, unknown> | undefined;
        try {
          for (const [index, deploy] of deploys.entries()) {
            await env?.close();
            last = version(deploy.stages);
            deployed = index;
            env = await createTestEngine({
              store: data.open(),
              workflows: [last],
              activities: [...olds, ...news],
              logger: { warn: () => undefined },
            });
            if (index === 0) await env.engine.start(last, null as never, { workflowId: 'run' });
            await env.idle();
            if (expected.stall?.deploy === index) break;
            for (let n = 0; n < deploy.signals && delivered < SLOTS; n++, delivered++) {
              await env.engine.getHandle('run').signal('go', null);
              await env.idle();
            }
          }
          const engine = (env as TestEngine).engine;
          const handle = engine.getHandle('run');
          const history = await handle.history();
          if (expected.stall) {
            const { position } = expected.stall;
            const described = await handle.describe();
            expect(described.status).toBe('Running');
            expect(described.stalled?.position).toBe(position);
            expect(described.stalled?.reason).toContain(
              `recorded ActivityScheduled old${position} (activity ${described.runId}.${position + 1}), code asked for ActivityScheduled new${position}`,
            );
          } else {
            expect(await handle.result()).toEqual(expected.taken.map((slot, i) => `${slot.branch}${i}`));
          }
          expect(markersOf(history)).toEqual(
            expected.taken.flatMap((slot, i) =>
              slot.stage === 1 || slot.stage === 2 ? [`slot-${i}:${slot.stage === 2}`] : [],
            ),
          );
          // The replay verdict, as `reprise replay` and CI run it, agrees with the engine.
          const report = await replayHistories([last as WorkflowDefinition<JsonValue, unknown>], [history]);
          const diverges = divergence(deploys[deployed]?.stages ?? [], expected.taken);
          expect(report.ok).toBe(diverges === undefined);
          if (diverges !== undefined) {
            expect(report.results[0]).toMatchObject({ ok: false, error: { position: diverges } });
          }
        } finally {
          await env?.close();
        }
      }),
      { numRuns: 80 },
    );
  });
});
