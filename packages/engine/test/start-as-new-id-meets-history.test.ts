// A client's start of a workflow id this process knows nothing of records its first append at
// expectedSeq 0 with no read. The window: the id has a history after all (a closed run, or a run
// another engine started meanwhile). That append writes nothing and fails with
// ConcurrencyConflict; the attempt is undone with no trace, and the start is decided on the
// history as any start is: the same outcome, runIds and histories as a start that read first.
import { ConcurrencyConflict, defineWorkflow, InMemoryStore, type WorkflowEvent } from '@reprise/core';
import type { Engine } from '@reprise/engine';
import { createTestEngine, type TestEngine } from '@reprise/testkit';
import { reopenable } from './helpers.js';
import { useInMemoryTracing } from './in-memory-tracing.js';

const tracing = useInMemoryTracing();

const logged: string[] = [];
const note = (message: string, details?: Record<string, unknown>) => {
  if (details?.workflowType === 'hello') logged.push(`${message} ${String(details.runId)}`);
};
const logger = { debug: note, info: note, warn: note, error: note };

const hello = defineWorkflow('hello', async (ctx, name: string) => {
  ctx.log.info(`greeting ${name}`);
  return `hello ${name}`;
});
const waitForGo = defineWorkflow('wait-for-go', async (ctx) => ctx.waitForSignal<string>('go'));

/** An in-memory store kept across engines, counting reads of each history and refused appends. */
function watchedStore() {
  const { store, open } = reopenable(new InMemoryStore());
  const reads: string[] = [];
  const conflicts: string[] = [];
  const watched = () =>
    new Proxy(open(), {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property === 'readHistory') {
          return (workflowId: string) => {
            reads.push(workflowId);
            return value(workflowId);
          };
        }
        if (property === 'append') {
          return (...args: [string, ...unknown[]]) =>
            value(...args).catch((error: unknown) => {
              if (error instanceof ConcurrencyConflict) conflicts.push(args[0]);
              throw error;
            });
        }
        return value;
      },
    });
  return { store, watched, reads, conflicts };
}

const starts = (history: readonly WorkflowEvent[]) =>
  history.flatMap((event) => (event.type === 'WorkflowStarted' ? [event.runId] : []));

function engineOn(open: () => ReturnType<ReturnType<typeof watchedStore>['watched']>): Promise<TestEngine> {
  return createTestEngine({ workflows: [hello, waitForGo], store: open(), logger });
}

beforeEach(() => {
  logged.length = 0;
});

it("a new id's start reads no history", async () => {
  const { watched, reads } = watchedStore();
  const env = await engineOn(watched);
  reads.length = 0;
  const handle = await env.engine.start(hello, 'ada', { workflowId: 'new' });
  expect(reads).toEqual([]);
  expect(await handle.result()).toBe('hello ada');
  await env.close();
});

describe("a closed run's id started again by a fresh engine", () => {
  async function closedRunOnStore() {
    const data = watchedStore();
    const first = await engineOn(data.watched);
    const handle = await first.engine.start(hello, 'ada', { workflowId: 'h' });
    expect(await handle.result()).toBe('hello ada');
    const { runId } = await handle.describe();
    await first.close();
    logged.length = 0;
    tracing.exporter.reset();
    return { ...data, firstRunId: runId, second: await engineOn(data.watched) };
  }

  it('rejectDuplicate: refused, and the undone attempt leaves no event, line, span or registered run', async () => {
    const { store, conflicts, firstRunId, second } = await closedRunOnStore();
    const history = await store.readHistory('h' as never);
    await expect(
      second.engine.start(hello, 'bob', { workflowId: 'h', idReusePolicy: 'rejectDuplicate' }),
    ).rejects.toMatchObject({ code: 'workflow_already_started', runId: firstRunId, status: 'Completed' });
    await second.idle();
    expect(conflicts).toEqual(['h']);
    expect(await store.readHistory('h' as never)).toEqual(history);
    expect(logged).toEqual([]);
    expect(tracing.exporter.getFinishedSpans().filter((span) => span.name === 'workflow hello')).toEqual([]);
    expect(second.engine.supervisionTree().types.flatMap((type) => type.runs)).toEqual([]);
    await second.close();
  });

  it('allowDuplicate: started as a new run after the closed one, logged and traced once', async () => {
    const { store, firstRunId, second } = await closedRunOnStore();
    const handle = await second.engine.start(hello, 'bob', { workflowId: 'h' });
    expect(await handle.result()).toBe('hello bob');
    const { runId } = await handle.describe();
    expect(runId).not.toBe(firstRunId);
    expect(starts(await store.readHistory('h' as never))).toEqual([firstRunId, runId]);
    expect(logged).toEqual([`greeting bob ${runId}`]);
    const spans = tracing.exporter.getFinishedSpans().filter((span) => span.name === 'workflow hello');
    expect(spans.map((span) => span.attributes['reprise.run_id'])).toEqual([runId]);
    await second.close();
  });

  it("result() and query callers during the undone attempt get the closed run's answers", async () => {
    const { second } = await closedRunOnStore();
    const refused = second.engine.start(hello, 'bob', { workflowId: 'h', idReusePolicy: 'rejectDuplicate' });
    const result = second.engine.getHandle('h').result();
    const query = second.engine.getHandle('h').query('anything', null);
    await expect(refused).rejects.toMatchObject({ code: 'workflow_already_started' });
    expect(await result).toBe('hello ada');
    await expect(query).rejects.toMatchObject({ code: 'workflow_closed' });
    await second.close();
  });
});

describe('a run started by another engine on the same store while this one starts it', () => {
  async function twoEngines() {
    const data = watchedStore();
    return { ...data, engines: [await engineOn(data.watched), await engineOn(data.watched)] };
  }

  const startOn = (engine: Engine, onConflict: 'fail' | 'useExisting') =>
    engine.start(waitForGo, null, { workflowId: 'w', onConflict });

  it("onConflict 'fail': one starts it, the other is refused with that run's id and keeps no run", async () => {
    const { store, conflicts, engines } = await twoEngines();
    const [a, b] = engines as [TestEngine, TestEngine];
    const outcomes = await Promise.allSettled([startOn(a.engine, 'fail'), startOn(b.engine, 'fail')]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(conflicts).toEqual(['w']);
    const [runId] = starts(await store.readHistory('w' as never));
    const refused = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'workflow_already_started', runId, status: 'Running' });
    const winner = outcomes[0].status === 'fulfilled' ? a : b;
    const loser = winner === a ? b : a;
    expect(loser.engine.supervisionTree().types.flatMap((type) => type.runs)).toEqual([]);
    expect(winner.engine.supervisionTree().types.flatMap((type) => type.runs)).toMatchObject([
      { workflowId: 'w', runId },
    ]);
    await winner.engine.getHandle('w').signal('go', 'now');
    expect(await winner.engine.getHandle('w').result()).toBe('now');
    expect(starts(await store.readHistory('w' as never))).toEqual([runId]);
    await a.close();
    await b.close();
  });

  it("onConflict 'useExisting': both hand out the handle of the one run", async () => {
    const { store, engines } = await twoEngines();
    const [a, b] = engines as [TestEngine, TestEngine];
    const handles = await Promise.all([startOn(a.engine, 'useExisting'), startOn(b.engine, 'useExisting')]);
    expect(handles.map((handle) => handle.workflowId)).toEqual(['w', 'w']);
    const history = await store.readHistory('w' as never);
    expect(starts(history)).toHaveLength(1);
    expect((await handles[1].describe()).runId).toBe(starts(history)[0]);
    await a.close();
    await b.close();
  });
});

it('an id this engine closed lately is started again on its history, read, with no refused commit', async () => {
  const { watched, reads, conflicts, store } = watchedStore();
  const env = await engineOn(watched);
  const first = await env.engine.start(hello, 'ada', { workflowId: 'again' });
  expect(await first.result()).toBe('hello ada');
  const { runId: firstRunId } = await first.describe();
  reads.length = 0;
  const second = await env.engine.start(hello, 'bob', { workflowId: 'again' });
  expect(await second.result()).toBe('hello bob');
  const { runId } = await second.describe();
  expect(conflicts).toEqual([]);
  expect(reads).toEqual(['again']);
  expect(starts(await store.readHistory('again' as never))).toEqual([firstRunId, runId]);
  await expect(
    env.engine.start(hello, 'cy', { workflowId: 'again', idReusePolicy: 'rejectDuplicate' }),
  ).rejects.toMatchObject({ code: 'workflow_already_started', runId, status: 'Completed' });
  expect(conflicts).toEqual([]);
  await env.close();
});
