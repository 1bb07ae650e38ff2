// A payload checkPayload returned is checked, walked and written once: the store's encoding of
// the event that holds it reuses its JSON text, and gives the text JSON.stringify would.
import { asWorkflowId, checkPayload, type EventBody, envelopeEvents, PayloadError } from '@reprise/core';
import { encodeEventBatch } from '@reprise/core/internal';
import { payloadArbitrary } from '@reprise/testkit';
import fc from 'fast-check';

const id = asWorkflowId('w');
const T0 = Date.UTC(2026, 0, 1);
const completed = (result: unknown, extra: Record<string, unknown> = {}) =>
  envelopeEvents(id, 0, T0, [
    { type: 'ActivityCompleted', activityId: 'a1', attempt: 1, result, ...extra } as unknown as EventBody,
  ]);
const encode = (events: ReturnType<typeof completed>, maxBytes?: number) =>
  encodeEventBatch(events, {
    workflowId: id,
    expectedSeq: 0,
    ...(maxBytes ? { payload: { maxBytes } } : {}),
  });

describe('an event holding a checked payload', () => {
  it('is written as JSON.stringify writes it, and again so once its payload was taken', () => {
    fc.assert(
      fc.property(payloadArbitrary(), (value) => {
        const events = completed(checkPayload(value));
        const [first] = encode(events);
        expect(first).toBe(JSON.stringify(events[0]));
        // The text was taken by the first encoding: the second walks the event itself.
        expect(encode(events)[0]).toBe(first);
      }),
      { numRuns: 300 },
    );
    const odd = checkPayload(JSON.parse('{"b":1,"10":2,"2":3,"__proto__":{"x":[]},"a b":null}'));
    const events = completed(odd);
    expect(encode(events)[0]).toBe(JSON.stringify(events[0]));
  });

  it('has its other fields checked, naming their path, and its size against the limit', () => {
    const payload = checkPayload({ items: [1, 2, 3] });
    expect(() => encode(completed(payload, { note: { when: new Date(0) } }))).toThrow(
      expect.objectContaining({ code: 'invalid_payload', path: 'events[0].note.when' }),
    );
    const big = checkPayload({ text: 'x'.repeat(200) });
    let thrown: unknown;
    try {
      encode(completed(big), 150);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PayloadError);
    expect(thrown).toMatchObject({ path: 'events[0]' });
    expect((thrown as Error).message).toMatch(/over the limit of 150/);
  });

  it('is written with the payload as it was checked, never with a value JSON cannot carry', () => {
    const payload = checkPayload({ total: 3 }) as Record<string, unknown>;
    payload.total = new Date(0);
    payload.extra = undefined;
    const [text] = encode(completed(payload));
    expect(JSON.parse(text as string).result).toEqual({ total: 3 });
  });

  it('is refused, naming the path, for a field JSON cannot carry, before or after the payload', () => {
    const unfaithful = fc.oneof(
      fc.constant(undefined),
      fc.constant(Number.NaN),
      fc.bigInt(),
      fc.func(fc.integer()),
      fc.date(),
    );
    const [envelope] = completed(null) as unknown as [Record<string, unknown>];
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 2 }),
        unfaithful,
        fc.boolean(),
        fc.boolean(),
        (value, bad, first, checked) => {
          const result = checked ? checkPayload({ value }) : { value };
          const note = { deep: [bad] };
          const event = first ? { ...envelope, note, result } : { ...envelope, result, note };
          expect(() => encode([event] as unknown as ReturnType<typeof completed>)).toThrow(
            expect.objectContaining({ code: 'invalid_payload', path: 'events[0].note.deep[0]' }),
          );
          const plain = first
            ? { ...envelope, note: { value }, result }
            : { ...envelope, result, note: { value } };
          expect(encode([plain] as unknown as ReturnType<typeof completed>)[0]).toBe(JSON.stringify(plain));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('an event encoded while Object.prototype has an enumerable key', () => {
  it('is written as JSON.stringify writes it, the inherited key left out', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = () => 'not JSON';
    try {
      const events = completed({ items: [{ a: 1 }] });
      expect(encode(events)[0]).toBe(JSON.stringify(events[0]));
      const checked = completed(checkPayload({ items: [{ a: 1 }] }));
      expect(encode(checked)[0]).toBe(JSON.stringify(checked[0]));
    } finally {
      delete proto.polluted;
    }
  });
});
