import {
  asWorkflowId,
  type Duration,
  type JsonValue,
  toMs,
  type WorkflowDefinition,
  type WorkflowId,
} from '@reprise/core';
import { type EngineOptions, VirtualClock } from '@reprise/engine';
import fc from 'fast-check';
import { seededStream, withAmbient } from './ambient.js';
import type { PropertyRunOptions } from './check-error.js';
import type { AnyWorkflowDefinition } from './history-replay.js';
import {
  type Delivery,
  type DriveEnd,
  driveToEnd,
  type RecordingStore,
  recordingStore,
} from './scenario-driver.js';
import {
  type ActivityResults,
  type ActivityScripts,
  type AnyActivityDefinition,
  activityScriptsArbitrary,
  ScriptedActivities,
} from './scripted-activities.js';
import { createTestEngine, DEFAULT_TEST_START } from './test-engine.js';
import { briefDuration, briefJson } from './timeline.js';

/** Options every check takes: the workflow's world, and how hard to look. */
export interface ScenarioOptions<I> extends PropertyRunOptions {
  /** The activities the workflow (and its children) call. */
  readonly activities: readonly AnyActivityDefinition[];
  /** The child workflows it starts (and their children). */
  readonly workflows?: readonly AnyWorkflowDefinition[];
  /** Inputs to start the workflow with; `null` if not given. */
  readonly input?: fc.Arbitrary<I>;
  /**
   * Generated results of successful attempts, by activity name. An activity not named here
   * runs its own code when a scripted attempt succeeds, so give a result arbitrary for any
   * activity whose code reaches outside the test (network, disk, payments).
   */
  readonly results?: ActivityResults;
  /**
   * Run the activities as written: no generated failures, latencies or results. Off by
   * default: the checks exist to drive the workflow down paths its activities rarely take.
   */
  readonly realActivities?: boolean;
  /** How much virtual time a generated run may take before the check stops driving it; 30 days by default. */
  readonly horizon?: Duration;
  /** Engine options passed through (search attribute schema, payload limit ...). */
  readonly engine?: Pick<EngineOptions, 'searchAttributes' | 'maxPayloadBytes' | 'maxResident'>;
}

/** One generated case: what the workflow is started with and what the world does to it. */
export interface Scenario<I> {
  readonly input: I;
  readonly scripts: ActivityScripts;
  readonly deliveries: readonly Delivery[];
  /** Seeds what `Math.random()` draws while the workflow runs (and, mirrored, on replay). */
  readonly seed: number;
}

/** The id the checked workflow runs under. */
export const CHECKED_WORKFLOW_ID: WorkflowId = asWorkflowId('checked');

/** The parts of a scenario every check generates. */
export function scenarioArbitrary<I>(
  options: ScenarioOptions<I>,
  deliveries: fc.Arbitrary<readonly Delivery[]> = fc.constant([]),
): fc.Arbitrary<Scenario<I>> {
  return fc.record({
    input: options.input ?? (fc.constant(null) as unknown as fc.Arbitrary<I>),
    scripts: options.realActivities
      ? fc.constant({})
      : activityScriptsArbitrary(options.activities, options.results ?? {}),
    deliveries,
    seed: fc.integer({ min: 0, max: 0x7fff_ffff }),
  });
}

/** A generated scenario, for a counterexample: input, activity attempts that ran, deliveries. */
export function describeScenario<I>(scenario: Scenario<I>, scripted: ScriptedActivities | undefined): string {
  const lines = [`  input: ${briefJson(scenario.input as JsonValue)}`];
  for (const line of scripted?.describeUsed() ?? []) lines.push(`  ${line}`);
  for (const delivery of [...scenario.deliveries].sort((a, b) => a.at - b.at)) {
    lines.push(
      delivery.kind === 'signal'
        ? `  signal ${delivery.name} at +${briefDuration(delivery.at)} with ${briefJson(delivery.payload)}`
        : `  cancel at +${briefDuration(delivery.at)}`,
    );
  }
  return `generated scenario:\n${lines.join('\n')}`;
}

/** A scenario's world: its store, activity stand-ins and definitions, shared by the engines that run it. */
export class ScenarioWorld<I> {
  readonly recording: RecordingStore = recordingStore();
  readonly scripted: ScriptedActivities | undefined;
  readonly definitions: ReadonlyMap<string, AnyWorkflowDefinition>;
  readonly horizonMs: number;
  /** What the engine warned about (stalled runs, undelivered signals ...). */
  readonly warnings: string[] = [];

  constructor(
    readonly workflow: WorkflowDefinition<I, unknown>,
    readonly options: ScenarioOptions<I>,
    readonly scenario: Scenario<I>,
  ) {
    this.scripted = options.realActivities
      ? undefined
      : new ScriptedActivities(scenario.scripts, options.activities, options.results ?? {});
    this.definitions = new Map(
      [workflow as AnyWorkflowDefinition, ...(options.workflows ?? [])].map((definition) => [
        definition.name,
        definition,
      ]),
    );
    this.horizonMs = toMs(options.horizon ?? '30d');
  }

  /**
   * Starts an engine on `store` at virtual time `startAt` (recovering whatever the store
   * holds), runs `body` with it while `Date.now()` and `Math.random()` read `random` and the
   * virtual clock, and shuts the engine down.
   */
  async withEngine<T>(
    store: RecordingStore,
    startAt: number,
    random: () => number,
    body: (env: Awaited<ReturnType<typeof createTestEngine>>) => Promise<T>,
  ): Promise<T> {
    const clock = new VirtualClock(startAt);
    this.scripted?.attach(clock, store.data);
    return withAmbient({ now: () => clock.now(), random }, async () => {
      const env = await createTestEngine({
        ...this.options.engine,
        workflows: [...this.definitions.values()],
        activities: this.scripted?.definitions() ?? this.options.activities,
        store: store.store,
        clock,
        logger: {
          warn: (message, details) => this.warnings.push(`${message} ${briefJson(details as JsonValue)}`),
        },
      });
      try {
        return await body(env);
      } finally {
        await env.close();
      }
    });
  }

  /** The first run: start the workflow and drive it to its end (or the horizon). */
  async runLive(): Promise<DriveEnd> {
    return this.withEngine(
      this.recording,
      DEFAULT_TEST_START,
      seededStream(this.scenario.seed),
      async (env) => {
        await env.engine.start(this.workflow, this.scenario.input, { workflowId: CHECKED_WORKFLOW_ID });
        return driveToEnd(
          env,
          CHECKED_WORKFLOW_ID,
          this.scenario.deliveries,
          DEFAULT_TEST_START,
          this.horizonMs,
        );
      },
    );
  }
}
