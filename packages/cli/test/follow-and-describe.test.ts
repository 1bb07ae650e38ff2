// `show --follow` prints events as the worker records them and returns when the run closes;
// `describe` shows input, outcome, parent and children, and says the same with or without a
// worker (only the residency, which only a worker knows, differs).
import { CLI_TEST_TIMEOUT_MS, reprise, spawnReprise, tempData } from './cli-process.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

const DESK = 'packages/cli/test/fixtures/desk.ts';
const data = tempData();
afterAll(() => data.remove());
const at = (...args: string[]) => [...args, '--data', data.path];

const describeJson = async (id: string) => {
  const result = await reprise(at('describe', id, '--json'));
  expect(result).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(result.stdout) as Record<string, unknown>;
};

it('follows a run to its close, and describes it alike with or without a worker', async () => {
  const worker = spawnReprise(at('worker', DESK));
  const described: Record<string, Record<string, unknown>> = {};
  try {
    await worker.waitFor(/^worker ready on /);
    expect((await reprise(at('start', 'tally', '--id', 't1', '--input', '5'))).code).toBe(0);

    const follow = spawnReprise(at('show', 't1', '--follow'));
    await follow.waitFor(/WorkflowStarted tally run1 input 5$/);
    const followJson = spawnReprise(at('show', 't1', '--follow', '--json'));
    await followJson.waitFor(/"type":"WorkflowStarted"/);
    expect((await reprise(at('signal', 't1', 'add', '3'))).code).toBe(0);
    await follow.waitFor(/SignalReceived add payload 3$/);
    expect((await reprise(at('signal', 't1', 'add', '0'))).code).toBe(0);
    expect(await follow.exited).toBe(0);
    expect(await followJson.exited).toBe(0);
    expect(
      follow.lines.filter((line) => /^\s+#\d/.test(line)).map((line) => line.trim().split(/\s+/)[0]),
    ).toEqual(['#1', '#2', '#3', '#4']);
    expect(follow.lines).toContain('t1 closed: Completed');
    const events = followJson.lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    expect(events.map((event: { seq: number; type: string }) => [event.seq, event.type])).toEqual([
      [1, 'WorkflowStarted'],
      [2, 'SignalReceived'],
      [3, 'SignalReceived'],
      [4, 'WorkflowCompleted'],
    ]);

    expect((await reprise(at('start', 'family', '--id', 'fam', '--input', '"bo"', '--wait'))).code).toBe(0);
    expect((await reprise(at('start', 'doomed', '--id', 'bad', '--input', '"why"'))).code).toBe(0);
    for (const id of ['t1', 'fam', 'fam-kid']) described[id] = await describeJson(id);
    const text = await reprise(at('describe', 'fam'));
    expect(text.stdout).toMatch(/^input\s+"bo"$/m);
    expect(text.stdout).toMatch(/^result\s+\{"said":"hello bo"\}$/m);
    expect(text.stdout).toMatch(/^children:\n {2}c1 {2}fam-kid {2}greet {2}Completed$/m);
    expect((await reprise(at('describe', 'fam-kid'))).stdout).toMatch(/^parent\s+fam \(child c1\)$/m);
    expect((await reprise(at('describe', 'bad'))).stdout).toMatch(/^failure\s+Error: doomed: why$/m);
  } finally {
    worker.child.kill('SIGINT');
  }
  expect(await worker.exited).toBe(0);

  for (const id of ['t1', 'fam', 'fam-kid']) {
    const stored = await describeJson(id);
    expect(stored.residency).toBe('stored');
    expect({ ...stored, residency: 'any' }).toEqual({ ...described[id], residency: 'any' });
  }
  expect(described.fam).toMatchObject({
    input: 'bo',
    outcome: { status: 'Completed', result: { said: 'hello bo' } },
    children: [{ childId: 'c1', childWorkflowId: 'fam-kid', workflowType: 'greet', status: 'Completed' }],
  });
  expect(described['fam-kid']).toMatchObject({ parent: { workflowId: 'fam', childId: 'c1' } });
});
