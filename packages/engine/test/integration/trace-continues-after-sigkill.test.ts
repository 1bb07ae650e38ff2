// Window: the engine process is SIGKILLed while a traced run's activity attempt is in flight. The
// restarted process continues the same trace (its run's new segment span is parented to the
// context recorded in WorkflowStarted) and emits no span twice: no attempt of the steps it
// replays, no second span for an attempt, no second span for the child that had closed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { killWorkerProcesses, startWorkerProcess, tempDirs } from '@reprise/testkit/internal';
import type { SpanLine } from './fixtures/trace-worker.js';

const dirs = tempDirs('engine-trace-crash');
afterAll(() => {
  killWorkerProcesses();
  dirs.removeAll();
});

const worker = join(__dirname, 'fixtures', 'trace-worker.ts');

it('a run resumed after a SIGKILL continues its trace, and no span is emitted twice', async () => {
  const dir = dirs.make();
  const spansFile = join(dir, 'spans.jsonl');
  const first = startWorkerProcess(worker, [join(dir, 'data'), spansFile, 'start']);
  await first.waitFor((line) => line === 'hanging');
  await first.kill();
  const read = () =>
    readFileSync(spansFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as SpanLine);
  const before = read();

  const second = startWorkerProcess(worker, [join(dir, 'data'), spansFile, 'resume']);
  await second.waitFor((line) => line === 'done');
  await second.exited;
  const spans = read();
  const after = spans.slice(before.length);
  const only = (name: string, from = spans) => {
    const found = from.filter((span) => span.name === name);
    expect(found.map((span) => span.name)).toEqual([name]);
    return found[0] as SpanLine;
  };

  // Before the kill: the start, the steps that finished, the child's run; the run's own segment
  // and the hanging attempt never finished.
  const start = only('start traced', before);
  expect(before.map((span) => span.name).sort()).toEqual(
    [
      'activity flaky',
      'activity flaky',
      'activity step',
      'activity step',
      'start traced',
      'workflow tracedKid',
    ].sort(),
  );
  // One trace, before and after.
  expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([start.traceId]));
  // After: one new segment span for the run, under the recorded start, marked resumed; the
  // attempt that was in flight runs (its first finished span), nothing replayed is emitted.
  const resumed = only('workflow traced', after);
  expect(resumed.parentSpanId).toBe(start.spanId);
  expect(resumed.attributes).toMatchObject({ 'reprise.resumed': true, 'reprise.outcome': 'Completed' });
  expect(after.map((span) => span.name).sort()).toEqual(['activity hang', 'workflow traced']);
  expect(only('activity hang').parentSpanId).toBe(resumed.spanId);
  // No attempt has two spans.
  const attempts = spans
    .filter((span) => span.name.startsWith('activity '))
    .map(
      (span) =>
        `${span.attributes['reprise.workflow_id']}/${span.attributes['reprise.activity_id']}#${span.attributes.attempt}`,
    );
  expect(new Set(attempts).size).toBe(attempts.length);
  expect(attempts).toHaveLength(5);
  // The child ran under the first segment of the parent (its parent span is not exported: it
  // was cut by the kill), in the same trace.
  const kid = only('workflow tracedKid');
  expect(kid.parentSpanId).not.toBe(start.spanId);
  expect(spans.some((span) => span.spanId === kid.parentSpanId)).toBe(false);
}, 120_000);
