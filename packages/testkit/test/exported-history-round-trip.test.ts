// The exported-history format round-trips: export (engine or generated history), write as JSON,
// read back (a file, or a folder as `readHistoryFiles` reads it), replay, and the projection
// (the visibility row a store derives) is identical.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EXPORTED_HISTORY_VERSION,
  InMemoryStore,
  InvalidArgumentError,
  projectHistory,
  readExportedHistory,
  toExportedHistory,
} from '@reprise/core';
import {
  createTestEngine,
  exportHistory,
  historyArbitrary,
  readHistoryFiles,
  replayHistories,
} from '@reprise/testkit';
import fc from 'fast-check';
import { charge, readFlags, recordedFlagOrder, ship } from './order-workflows.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'reprise-histories-'));
  dirs.push(dir);
  return dir;
};

it('any well-formed history survives export as JSON and reading back, with the same projection', () => {
  fc.assert(
    fc.property(historyArbitrary({ maxRuns: 3, maxSteps: 8 }), (generated) => {
      const text = JSON.stringify(toExportedHistory(generated.events));
      const read = readExportedHistory(JSON.parse(text));
      expect(read.version).toBe(EXPORTED_HISTORY_VERSION);
      expect(read.workflowId).toBe(generated.workflowId);
      // As JSON holds them (as every store holds them): -0 reads back as 0.
      const stored = JSON.parse(JSON.stringify(generated.events));
      expect(read.events).toEqual(stored);
      expect(projectHistory(read.events)).toEqual(projectHistory(stored));
    }),
    { numRuns: 200 },
  );
});

it('histories exported from an engine, kept as a folder of files, replay and load into a store unchanged', async () => {
  const env = await createTestEngine({
    workflows: [recordedFlagOrder],
    activities: [charge, ship, readFlags],
  });
  for (const id of ['a', 'b'])
    await env.engine.start(recordedFlagOrder, { id, amount: 5 }, { workflowId: id });
  await env.advance('2d');
  const dir = tempDir();
  const originals = await Promise.all(['a', 'b'].map((id) => exportHistory(env.engine.store, id)));
  writeFileSync(join(dir, 'a.json'), JSON.stringify(originals[0]));
  // A file may hold several histories too.
  writeFileSync(join(dir, 'more.json'), JSON.stringify([originals[1]]));
  writeFileSync(join(dir, 'README.txt'), 'not a history: skipped');

  const read = readHistoryFiles(dir);
  expect(read).toEqual(originals);
  const report = await replayHistories([recordedFlagOrder], read);
  expect(report.ok).toBe(true);

  const copy = new InMemoryStore();
  for (const history of read)
    await copy.append(history.workflowId as never, history.events, { expectedSeq: 0 });
  for (const id of ['a', 'b']) {
    expect(await copy.getSummary(id as never)).toEqual(await env.engine.store.getSummary(id as never));
  }
  await env.close();

  writeFileSync(join(dir, 'broken.json'), '{"format":"reprise.history","version":2}');
  expect(() => readHistoryFiles(dir)).toThrow(InvalidArgumentError);
  expect(() => readHistoryFiles(dir)).toThrow(/broken\.json.*version 1/);
});
