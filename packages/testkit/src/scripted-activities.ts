import {
  type ActivityContext,
  type ActivityDefinition,
  defineActivity,
  type EventStore,
  type JsonValue,
} from '@reprise/core';
import { fromErrorData } from '@reprise/core/internal';
import type { Clock } from '@reprise/engine';
import fc from 'fast-check';
import { type AttemptOutcome, activityOutcomeScriptArbitrary } from './arbitraries.js';
import { type HistoryReader, stableRunName } from './run-names.js';
import { briefDuration, briefError, briefJson } from './timeline.js';

/** An activity definition of any input and output types, as lists of activities take them. */
// biome-ignore lint/suspicious/noExplicitAny: definitions of any input and output types are accepted
export type AnyActivityDefinition = ActivityDefinition<any, any>;

/** Generated results per activity name; an activity not named here runs its own code when an attempt succeeds. */
export type ActivityResults = { readonly [activityType: string]: fc.Arbitrary<JsonValue> };

/** What the calls of one activity do: the k-th call (in the order calls first run) follows `calls[k]`. */
export interface ActivityTypeScript {
  readonly calls: readonly (readonly AttemptOutcome[])[];
  /** The result of successful attempts past the scripts (when results are generated for this activity). */
  readonly fallback?: JsonValue;
}

/** The scripts of every activity of a generated scenario, by activity name. */
export type ActivityScripts = { readonly [activityType: string]: ActivityTypeScript };

/** How long a scripted `timeout` attempt hangs (virtual time) when no activity timeout cuts it short. */
const HANG_MS = 86_400_000;

/** Scripts for the given activities: up to `maxCalls` scripted calls each, of up to `maxAttempts` attempts. */
export function activityScriptsArbitrary(
  activities: readonly AnyActivityDefinition[],
  results: ActivityResults = {},
  options: { readonly maxCalls?: number; readonly maxAttempts?: number } = {},
): fc.Arbitrary<ActivityScripts> {
  const entries = activities.map((activity) => {
    const result = results[activity.name];
    const script: fc.Arbitrary<ActivityTypeScript> = fc.record(
      {
        calls: fc.array(
          activityOutcomeScriptArbitrary(options.maxAttempts ?? 3, result ?? fc.constant(null)),
          {
            maxLength: options.maxCalls ?? 4,
          },
        ),
        ...(result ? { fallback: result } : {}),
      },
      { requiredKeys: result ? ['calls', 'fallback'] : ['calls'] },
    );
    return [activity.name, script] as const;
  });
  return fc.record(Object.fromEntries(entries));
}

interface Call {
  readonly activityType: string;
  /** The activity's name that survives recovery (see `#stableKey`). */
  readonly key: string;
  /** 0-based among calls of its type. */
  readonly index: number;
  attempts: number;
}

/**
 * Stand-ins for a workflow's activities that follow generated scripts: each attempt waits its
 * latency on the engine's clock, then fails with the scripted error, or succeeds with the
 * scripted result (or, for activities without generated results, by running the activity's own
 * code). A `timeout` attempt hangs until the activity's own timeout aborts it, or `HANG_MS`.
 *
 * Scripts are assigned by activity id, and an attempt's latency counts from when that attempt
 * first started, so an engine recovering mid-scenario sees every attempt end when it did the
 * first time: a restart changes nothing the code could observe but the restart itself.
 */
export class ScriptedActivities {
  #clock: Clock | undefined;
  #store: EventStore | undefined;
  readonly #runNames = new Map<string, Promise<string>>();
  readonly #calls = new Map<string, Call>();
  readonly #counts = new Map<string, number>();
  readonly #attemptStarts = new Map<string, number>();

  constructor(
    private readonly scripts: ActivityScripts,
    private readonly activities: readonly AnyActivityDefinition[],
    private readonly results: ActivityResults,
  ) {}

  /** Sets the clock and store of the engine the stand-ins run on next. */
  attach(clock: Clock, store: EventStore): void {
    this.#clock = clock;
    this.#store = store;
    this.#runNames.clear();
  }

  /** The stand-in definitions, with the real ones' names and options. */
  definitions(): AnyActivityDefinition[] {
    return this.activities.map((activity) =>
      defineActivity(
        activity.name,
        (input: JsonValue, context) => this.#attempt(activity, input, context),
        activity.options,
      ),
    );
  }

  async #attempt(
    activity: AnyActivityDefinition,
    input: JsonValue,
    context: ActivityContext,
  ): Promise<unknown> {
    const clock = this.#clock;
    if (!clock) throw new Error('ScriptedActivities: attach an engine first');
    const key = await this.#stableKey(context);
    const call = this.#call(activity.name, key);
    call.attempts = Math.max(call.attempts, context.attempt);
    const script = this.scripts[activity.name];
    const outcome = script?.calls[call.index]?.[context.attempt - 1];
    const startKey = `${key}#${context.attempt}`;
    const startedAt = this.#attemptStarts.get(startKey) ?? clock.now();
    this.#attemptStarts.set(startKey, startedAt);
    const generated = this.results[activity.name] !== undefined;
    if (!outcome) return generated ? script?.fallback : activity.run(input, context);
    if (outcome.kind === 'timeout') {
      await waitUntil(clock, startedAt + HANG_MS, context.signal);
      throw Object.assign(new Error(`scripted attempt hung for ${briefDuration(HANG_MS)}`), {
        name: 'Timeout',
      });
    }
    await waitUntil(clock, startedAt + outcome.latencyMs, context.signal);
    if (outcome.kind === 'failure') throw fromErrorData(outcome.error);
    return generated ? outcome.result : activity.run(input, context);
  }

  #call(activityType: string, key: string): Call {
    let call = this.#calls.get(key);
    if (!call) {
      const index = this.#counts.get(activityType) ?? 0;
      this.#counts.set(activityType, index + 1);
      call = { activityType, key, index, attempts: 0 };
      this.#calls.set(key, call);
    }
    return call;
  }

  /**
   * A name for the activity that survives recovery. Activity ids carry their run's id, and a run
   * started after a crash (a child, a continue-as-new successor) gets a new one; so the run is
   * named by its place instead: the checked workflow's k-th run, or child `c1` of such a run.
   */
  async #stableKey(context: ActivityContext): Promise<string> {
    const dot = context.activityId.lastIndexOf('.');
    const runId = context.activityId.slice(0, dot);
    const read: HistoryReader = async (workflowId) => (await this.#store?.readHistory(workflowId)) ?? [];
    const run = await stableRunName(read, context.workflowId, runId, this.#runNames);
    return `${run} activity ${context.activityId.slice(dot + 1)}`;
  }

  /** The scripted attempts that ran, one line per call, for a counterexample. */
  describeUsed(): string[] {
    return [...this.#calls.values()].map((call) => {
      const script = this.scripts[call.activityType];
      const generated = this.results[call.activityType] !== undefined;
      const attempts = Array.from({ length: call.attempts }, (_, index) => {
        const outcome = script?.calls[call.index]?.[index];
        const result = (value: JsonValue | undefined) => (generated ? ` with ${briefJson(value)}` : '');
        if (!outcome) return `attempt ${index + 1} succeeds at once${result(script?.fallback)}`;
        if (outcome.kind === 'timeout') return `attempt ${index + 1} hangs`;
        if (outcome.kind === 'failure') {
          return `attempt ${index + 1} fails after ${briefDuration(outcome.latencyMs)} with ${briefError(outcome.error)}`;
        }
        return `attempt ${index + 1} succeeds after ${briefDuration(outcome.latencyMs)}${result(outcome.result)}`;
      });
      return `${call.activityType} call ${call.index + 1} (${call.key}): ${attempts.join('; ') || 'no attempt ran'}`;
    });
  }
}

/** Waits on `clock` until `at`, or rejects with the abort reason. */
function waitUntil(clock: Clock, at: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  const delay = at - clock.now();
  if (delay <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal.reason);
    };
    const handle = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, delay);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
