// Whatever the payloads of an append, its events read back as their JSON text does
// (`JSON.parse(JSON.stringify(event))`), after a reopening too: the chunk holds them packed
// (MessagePack) when that encoding reads them back so, and as JSON text when it might not (a
// `__proto__` key, a string or key that is not well-formed UTF-16, nesting deeper than the quick
// check), or when a payload limit is near. Nothing else decides the form.
import { afterAll, expect, it } from '@jest/globals';
import {
  asRunId,
  asWorkflowId,
  checkPayload,
  envelopeEvents,
  type JsonValue,
  type WorkflowEvent,
} from '@reprise/core';
import fc from 'fast-check';
import { open } from 'lmdb';
import { openLmdbStore } from '../src/index.js';
import { chunkForm } from './chunk-form.js';
import { tempDirs } from './temp-dirs.js';

const dirs = tempDirs('packed-or-json');
afterAll(() => dirs.removeAll());

/** Keys and strings of every kind, with the ones MessagePack would not read back among them. */
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'hasOwnProperty', '\ud800', 'a\udfffb', '\ud83d\ude00', ''),
);

const payload: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(true, false, null, -0, 2 ** 53, 1e300),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Whether MessagePack reads `value` back as JSON does (see core's `fitsBinaryAt`). */
function packable(value: unknown, depth = 63): boolean {
  if (typeof value === 'string') return value.isWellFormed();
  if (typeof value !== 'object' || value === null) return true;
  if (depth === 0) return false;
  if (Array.isArray(value)) return value.every((item) => packable(item, depth - 1));
  return Object.entries(value).every(
    ([key, item]) => key !== '__proto__' && key.isWellFormed() && packable(item, depth - 1),
  );
}

/** The form of each chunk of a workflow's history, read raw: `json` or `packed`. */
function chunkForms(path: string, id: string): ('json' | 'packed')[] {
  const raw = open({ path, maxDbs: 32, readOnly: true });
  try {
    const forms: ('json' | 'packed')[] = [];
    for (const { key, value } of raw
      .openDB('history', { encoding: 'binary' })
      .getRange({ start: [id, 1], end: [id, Number.MAX_SAFE_INTEGER] })) {
      if ((key as unknown as [string, number])[1] !== 0) forms.push(chunkForm(value as Buffer));
    }
    return forms;
  } finally {
    raw.close();
  }
}

it('reads every payload back as JSON does, packed exactly when MessagePack reads it back so', async () => {
  await fc.assert(
    fc.asyncProperty(payload, fc.array(payload, { minLength: 1, maxLength: 3 }), async (input, signals) => {
      const path = dirs.make();
      const id = asWorkflowId('w');
      const start = envelopeEvents(id, 0, 1_000, [
        { type: 'WorkflowStarted', workflowType: 't', input, runId: asRunId('r'), parentRunId: null },
      ]);
      const step = envelopeEvents(
        id,
        1,
        2_000,
        signals.map((value) => ({ type: 'SignalReceived' as const, signalName: 's', payload: value })),
      );
      let store = openLmdbStore({ path, noSync: true });
      try {
        await store.append(id, start, { expectedSeq: 0 });
        await store.append(id, step, { expectedSeq: 1 });
      } finally {
        await store.close();
      }
      const expected = JSON.parse(JSON.stringify([...start, ...step])) as WorkflowEvent[];
      expect(chunkForms(path, 'w')).toEqual([
        packable(start) ? 'packed' : 'json',
        packable(step) ? 'packed' : 'json',
      ]);
      store = openLmdbStore({ path, noSync: true });
      try {
        const read = await store.readHistory(id);
        expect(read).toEqual(expected);
        // Key order too, which toEqual does not look at.
        expect(JSON.stringify(read)).toBe(JSON.stringify(expected));
        expect((await store.verify()).problems).toEqual([]);
      } finally {
        await store.close();
      }
    }),
    { numRuns: 120 },
  );
});

it('writes JSON text when a payload limit may be near, and refuses a payload over it as ever', async () => {
  const path = dirs.make();
  const store = openLmdbStore({ path, noSync: true, maxPayloadBytes: 600 });
  const id = asWorkflowId('w');
  try {
    // Its JSON text is 250 bytes or so, under the limit; the most it could take (6 bytes a
    // character, as for control characters) is over it.
    const input = 'x'.repeat(120);
    await store.append(
      id,
      envelopeEvents(id, 0, 1_000, [
        { type: 'WorkflowStarted', workflowType: 't', input, runId: asRunId('r'), parentRunId: null },
      ]),
      { expectedSeq: 0 },
    );
    await expect(
      store.append(
        id,
        envelopeEvents(id, 1, 2_000, [{ type: 'SignalReceived', signalName: 's', payload: 'y'.repeat(700) }]),
        { expectedSeq: 1 },
      ),
    ).rejects.toMatchObject({ code: 'invalid_payload' });
    await store.append(
      id,
      envelopeEvents(id, 1, 3_000, [{ type: 'SignalReceived', signalName: 's', payload: 1 }]),
      { expectedSeq: 1 },
    );
  } finally {
    await store.close();
  }
  expect(chunkForms(path, 'w')).toEqual(['json', 'packed']);
});

it('writes a checked payload as it is now when a later event holds it again, packed or not', async () => {
  const store = openLmdbStore({ path: dirs.make(), noSync: true });
  const id = asWorkflowId('w');
  try {
    const payload = checkPayload({ n: 1 }) as { n: number };
    const start = envelopeEvents(id, 0, 1_000, [
      { type: 'WorkflowStarted', workflowType: 't', input: payload, runId: asRunId('r'), parentRunId: null },
    ]);
    await store.append(id, start, { expectedSeq: 0 });
    payload.n = 2;
    // A `__proto__` key beside it: this one is written as JSON text.
    const odd = JSON.parse('{"__proto__":1}') as JsonValue;
    const step = envelopeEvents(id, 1, 2_000, [
      { type: 'SignalReceived', signalName: 's', payload },
      { type: 'SignalReceived', signalName: 't', payload: odd },
    ]);
    await store.append(id, step, { expectedSeq: 1 });
    const read = await store.readHistory(id);
    expect(
      read.map(
        (event) =>
          (event as { input?: unknown; payload?: unknown }).input ?? (event as { payload?: unknown }).payload,
      ),
    ).toEqual([{ n: 1 }, { n: 2 }, odd]);
  } finally {
    await store.close();
  }
});
