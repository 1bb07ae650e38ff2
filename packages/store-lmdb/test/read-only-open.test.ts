// A store opened read-only (what `reprise verify` uses) reads everything and writes nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import { asRunId, asWorkflowId, envelopeEvents } from '@reprise/core';
import { openLmdbStore } from '../src/index.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('read-only');
afterAll(() => dirs.removeAll());

const started = (id: string) =>
  envelopeEvents(asWorkflowId(id), 0, 1, [
    { type: 'WorkflowStarted', workflowType: 't', input: id, runId: asRunId('r'), parentRunId: null },
  ]);

it('reads histories and rows, refuses appends with StoreUnavailableError, and leaves the file as it was', async () => {
  const path = dirs.make();
  const writer = openLmdbStore({ path, noSync: true });
  await writer.append(asWorkflowId('w'), started('w'), { expectedSeq: 0 });
  await writer.close();
  const before = readFileSync(join(path, 'data.mdb'));

  const reader = openLmdbStore({ path, readOnly: true });
  expect(await reader.readHistory(asWorkflowId('w'))).toHaveLength(1);
  expect((await reader.query({})).items.map((item) => item.workflowId)).toEqual(['w']);
  expect((await reader.verify()).problems).toEqual([]);
  await expect(reader.append(asWorkflowId('x'), started('x'), { expectedSeq: 0 })).rejects.toMatchObject({
    code: 'store_unavailable',
    operation: 'append',
  });
  await reader.close();
  expect(readFileSync(join(path, 'data.mdb')).equals(before)).toBe(true);
});

it('refuses a directory that holds no store instead of creating one', () => {
  const path = dirs.make();
  expect(() => openLmdbStore({ path, readOnly: true })).toThrow(
    expect.objectContaining({ code: expect.stringMatching(/^store_(format_unsupported|unavailable)$/) }),
  );
});

it('refuses a readOnly that is not a boolean', () => {
  expect(() => openLmdbStore({ path: dirs.make(), readOnly: 'yes' as never })).toThrow(
    expect.objectContaining({
      code: 'invalid_argument',
      message: expect.stringContaining('options.readOnly'),
    }),
  );
});
