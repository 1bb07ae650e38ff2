// Window: a client's start whose run actor its type supervisor refuses (the supervisor gave up
// and is being restarted by the root). The start failed, but its entry stayed registered with
// its start never recorded nor failed, so every later start of the id waited on it forever,
// each holding one of the engine's `maxConcurrentStarts` turns. The public API cannot make a
// supervisor refuse at a chosen moment, so the starter is driven here with a residency that does.
import { defineWorkflow, InMemoryStore } from '@reprise/core';
import { VirtualClock } from '@reprise/engine';
import { Lifecycle } from '../src/lifecycle.js';
import type { RunEntry } from '../src/run-entry.js';
import { RunTable } from '../src/run-table.js';
import { Starter, type StarterPort } from '../src/starter.js';
import { Telemetry } from '../src/telemetry.js';

const hello = defineWorkflow('hello', async () => 'hi');

it('fails with the refusal and leaves no entry for later starts of the id to wait on', async () => {
  const clock = new VirtualClock(0);
  const table = new RunTable(new InMemoryStore());
  const refusal = new Error('type supervisor gone');
  const actorsAsked: string[] = [];
  const port = {
    clock,
    table,
    residency: {
      startActor: (entry: RunEntry) => {
        actorsAsked.push(entry.workflowId);
        return Promise.reject(refusal);
      },
      forget: () => undefined,
    },
    lifecycle: new Lifecycle({ warn: () => undefined }),
    logger: { warn: () => undefined },
    entryPort: {},
    telemetry: new Telemetry({ clock, residencies: () => [] }),
    buildId: 'test',
    definition: (workflowType: string) => (workflowType === 'hello' ? hello : undefined),
    checkPayload: (value: unknown) => value,
    checkSearchAttributes: (attributes: unknown) => attributes,
    armExecutionTimeout: () => undefined,
    armTimer: () => undefined,
    disarmExecutionTimeout: () => undefined,
    enforceParentClose: async () => undefined,
    maxConcurrentStarts: 1,
  } as unknown as StarterPort;
  const starter = new Starter(port);
  const start = () => starter.startFromClient(hello, null, { workflowId: 'w' }, (workflowId) => workflowId);

  await expect(start()).rejects.toBe(refusal);
  expect(table.has('w' as never)).toBe(false);
  // The next start of the id is decided afresh (here refused the same way), not left waiting.
  await expect(start()).rejects.toBe(refusal);
  expect(actorsAsked).toEqual(['w', 'w']);
  expect(table.has('w' as never)).toBe(false);
});
