// Rows damaged under the store (edited by hand, a bad restore) are StoreCorruption naming the
// row, never a crash or a wrong answer; a list passes over a damaged row and names it.
import { afterAll, expect, it } from '@jest/globals';
import { asRunId, asWorkflowId, envelopeEvents, StoreCorruption } from '@reprise/core';
import { dropTestSchemas, sql, testSchema } from '../../../test/support/postgres.js';
import { openPostgresStore, type PostgresStore } from '../src/index.js';

afterAll(() => dropTestSchemas());

async function storeWithTwo(): Promise<{ store: PostgresStore; url: string; schema: string }> {
  const { url, schema } = await testSchema('damaged');
  const store = await openPostgresStore({ connectionString: url, schema });
  for (const name of ['a', 'b']) {
    const id = asWorkflowId(name);
    await store.append(
      id,
      envelopeEvents(id, 0, 1_000, [
        {
          type: 'WorkflowStarted',
          workflowType: 'w',
          input: null,
          runId: asRunId(`r-${name}`),
          parentRunId: null,
        },
        { type: 'SignalReceived', signalName: 's', payload: 1 },
        { type: 'WorkflowCompleted', result: 'done' },
      ]),
      { expectedSeq: 0 },
    );
  }
  return { store, url, schema };
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

it('an event that is not JSON, is another event, or is missing is StoreCorruption naming it', async () => {
  const { store, url, schema } = await storeWithTwo();
  const key = `(SELECT workflow_key FROM "${schema}".events e WHERE e.seq = 1 AND body LIKE '%"workflowId":"a"%')`;
  await sql(url, `UPDATE "${schema}".events SET body = 'not json {' WHERE workflow_key = ${key} AND seq = 2`);
  const notJson = await failure(store.readHistory(asWorkflowId('a')));
  expect(notJson).toBeInstanceOf(StoreCorruption);
  expect(notJson).toMatchObject({ key: 'events ["a",2]', reason: 'value is not JSON' });
  await sql(
    url,
    `UPDATE "${schema}".events SET body = '{"type":"Nope","seq":2,"workflowId":"a","recordedAt":1}' WHERE workflow_key = ${key} AND seq = 2`,
  );
  expect(await failure(store.readHistory(asWorkflowId('a')))).toMatchObject({ key: 'events ["a",2]' });
  await sql(url, `DELETE FROM "${schema}".events WHERE workflow_key = ${key} AND seq = 2`);
  const gap = await failure(store.readHistory(asWorkflowId('a')));
  expect(gap).toBeInstanceOf(StoreCorruption);
  expect((gap as StoreCorruption).reason).toContain('missing');
  // The other workflow is untouched.
  expect(await store.readHistory(asWorkflowId('b'))).toHaveLength(3);
  await store.close();
});

it('a damaged row is StoreCorruption when read alone, and named in the page that passes over it', async () => {
  const { store, url, schema } = await storeWithTwo();
  await sql(
    url,
    `UPDATE "${schema}".workflows SET summary = '{"workflowId":"a"}' WHERE summary LIKE '%"workflowId":"a"%'`,
  );
  const error = await failure(store.getSummary(asWorkflowId('a')));
  expect(error).toBeInstanceOf(StoreCorruption);
  expect(error).toMatchObject({ key: 'workflows "a"' });
  const page = await store.query({});
  expect(page.items.map((row) => row.workflowId)).toEqual(['b']);
  expect(page.corrupt).toEqual([expect.objectContaining({ workflowId: 'a', key: 'workflows "a"' })]);
  await store.close();
});
