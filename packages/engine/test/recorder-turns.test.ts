// A run's step write on an idle recorder ends its own turn: whatever is queued behind it starts
// only once it has settled (committed, or refused and the head read again), and the writer is
// idle afterwards.
import {
  type AppendOptions,
  type AppendResult,
  asWorkflowId,
  ConcurrencyConflict,
  type EventBody,
  InMemoryStore,
  type WorkflowEvent,
  type WorkflowId,
} from '@reprise/core';
import { Recorder } from '@reprise/engine/internal';

const workflowId = asWorkflowId('turns-1');
const started: EventBody = {
  type: 'WorkflowStarted',
  workflowType: 'turns',
  input: null,
  runId: 'run-1',
  parentRunId: null,
} as EventBody;
const fired: EventBody = { type: 'TimerFired', timerId: 't1' };

/** An in-memory store whose next append waits until `release()`. */
class HeldStore extends InMemoryStore {
  #held: (() => void) | undefined;
  holdNext = false;

  override append(
    id: WorkflowId,
    events: readonly WorkflowEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    if (!this.holdNext) return super.append(id, events, options);
    this.holdNext = false;
    return new Promise<void>((resolve) => {
      this.#held = resolve;
    }).then(() => super.append(id, events, options));
  }

  release(): void {
    this.#held?.();
  }
}

async function recorderWithStart(): Promise<{ store: HeldStore; recorder: Recorder }> {
  const store = new HeldStore();
  const recorder = new Recorder(workflowId, store);
  await recorder.exclusive(() => recorder.append([started], 1));
  return { store, recorder };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

it('a task queued behind a step write starts once the write has committed', async () => {
  const { store, recorder } = await recorderWithStart();
  store.holdNext = true;
  const written = recorder.appendInTurn([fired], 2, 1);
  const order: string[] = [];
  void written.then(() => order.push('written'));
  const queued = recorder.exclusive(async () => {
    order.push(`queued sees head ${recorder.head}`);
  });
  await turn();
  expect(order).toEqual([]);
  expect(recorder.idle).toBe(false);
  store.release();
  await queued;
  expect(order).toEqual(['written', 'queued sees head 2']);
  expect((await written).map((event) => event.seq)).toEqual([2]);
  expect(recorder.idle).toBe(true);
});

it('a refused step write reads the head again before what is queued behind it starts, and rejects', async () => {
  const { store, recorder } = await recorderWithStart();
  // Another writer appends first: the step's append (on top of seq 1) is refused.
  await new Recorder(workflowId, store).append([fired], 2, 1);
  store.holdNext = true;
  const written = recorder.appendInTurn([fired], 3, 1);
  const outcome = written.then(
    () => 'committed',
    (error: unknown) => (error instanceof ConcurrencyConflict ? 'conflict' : 'other'),
  );
  const queued = recorder.exclusive(async () => recorder.head);
  store.release();
  expect(await outcome).toBe('conflict');
  expect(await queued).toBe(2);
  expect(recorder.idle).toBe(true);
  // The writer takes steps again, on top of what it read.
  expect((await recorder.appendInTurn([fired], 4, recorder.head)).map((event) => event.seq)).toEqual([3]);
  expect(recorder.idle).toBe(true);
});
