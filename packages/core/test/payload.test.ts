import { checkPayload, encodePayload, PayloadError } from '@reprise/core';
import { jsonEqual } from '@reprise/core/internal';
import { payloadArbitrary } from '@reprise/testkit';
import fc from 'fast-check';

const refuse = (value: unknown, path: string, reason: RegExp, maxBytes?: number) => {
  let error: unknown;
  try {
    checkPayload(value, { path: 'input', ...(maxBytes ? { maxBytes } : {}) });
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(PayloadError);
  expect(error).toMatchObject({ code: 'invalid_payload', path });
  expect((error as Error).message).toMatch(reason);
};

describe('checkPayload', () => {
  it('refuses each kind of non-JSON value, naming its path', () => {
    refuse(undefined, 'input', /undefined/);
    refuse({ a: undefined }, 'input.a', /undefined/);
    refuse({ items: [1, () => 2] }, 'input.items[1]', /function/);
    refuse({ id: Symbol('x') }, 'input.id', /symbol/);
    refuse({ big: 10n }, 'input.big', /BigInt/);
    refuse({ price: Number.NaN }, 'input.price', /NaN is not a finite/);
    refuse([Number.POSITIVE_INFINITY], 'input[0]', /Infinity/);
    refuse({ when: new Date(0) }, 'input.when', /Date is not a plain JSON object/);
    refuse({ set: new Map() }, 'input.set', /Map/);
    refuse({ 'odd key': { x: undefined } }, 'input["odd key"].x', /undefined/);
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is tested
    refuse([1, , 3], 'input[1]', /sparse/);
    const cyclic: Record<string, unknown> = { a: { b: {} } };
    (cyclic.a as Record<string, unknown>).b = cyclic;
    refuse(cyclic, 'input.a.b', /cycle/);
    refuse({ s: 'x'.repeat(100) }, 'input', /over the limit of 50/, 50);
  });

  it('accepts shared (non-cyclic) references and counts bytes, not characters, against the limit', () => {
    const shared = { x: 1 };
    expect(checkPayload({ a: shared, b: shared })).toEqual({ a: { x: 1 }, b: { x: 1 } });
    expect(() => checkPayload('é'.repeat(30), { maxBytes: 50 })).toThrow(PayloadError);
    expect(checkPayload('e'.repeat(30), { maxBytes: 50 })).toBe('e'.repeat(30));
  });

  it('checks payloads nested deeper than its quick pass looks, naming the path all the way down', () => {
    const nest = (depth: number, leaf: unknown): unknown => {
      let value = leaf;
      for (let level = 0; level < depth; level++) value = level % 2 === 0 ? [value] : { k: value };
      return value;
    };
    const deep = nest(200, 'leaf');
    expect(checkPayload(deep)).toEqual(deep);
    const pathDown = (depth: number) => {
      let path = 'input';
      for (let level = depth - 1; level >= 0; level--) path += level % 2 === 0 ? '[0]' : '.k';
      return path;
    };
    refuse(nest(101, Number.NaN), pathDown(101), /NaN/);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    refuse(nest(80, cycle), `${pathDown(80)}.self`, /cycle/);
  });

  it('keeps __proto__ as an own key and never touches a prototype', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const checked = checkPayload(value) as Record<string, unknown>;
    expect(Object.hasOwn(checked, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(checked)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(encodePayload(value)).toBe('{"__proto__":{"polluted":true},"a":1}');
  });

  it('returns a copy that shares nothing with the input', () => {
    const input = { list: [1, { deep: true }] };
    const copy = checkPayload(input) as { list: [number, { deep: boolean }] };
    copy.list[1].deep = false;
    expect(input.list[1]).toEqual({ deep: true });
  });

  it('round-trips every JSON value it accepts', () => {
    fc.assert(
      fc.property(payloadArbitrary(), (value) => {
        expect(jsonEqual(checkPayload(value), JSON.parse(JSON.stringify(value)))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never accepts a value JSON cannot carry faithfully', () => {
    const unfaithful = fc.oneof(
      fc.constant(undefined),
      fc.constant(Number.NaN),
      fc.constant(Number.NEGATIVE_INFINITY),
      fc.bigInt(),
      fc.func(fc.integer()),
      fc.constant(Symbol('s')),
      fc.date(),
    );
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 2 }), unfaithful, fc.string(), (host, bad, key) => {
        const nested = { host, [key]: [bad] };
        expect(() => checkPayload(nested)).toThrow(PayloadError);
        expect(() => checkPayload(bad)).toThrow(PayloadError);
      }),
      { numRuns: 300 },
    );
  });
});

describe('jsonEqual', () => {
  it('ignores key order and tells arrays from objects', () => {
    expect(jsonEqual({ a: 1, b: [2] }, { b: [2], a: 1 })).toBe(true);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
    expect(jsonEqual({ a: null }, {})).toBe(false);
  });
});

describe('deeply nested payloads', () => {
  const nested = (depth: number): unknown => {
    let value: unknown = 'leaf';
    for (let level = 0; level < depth; level++) value = [value];
    return value;
  };

  it('refuses nesting deeper than 1,000 levels with a PayloadError, not a RangeError', () => {
    for (const depth of [1001, 5000, 100_000]) {
      expect(() => checkPayload(nested(depth), { path: 'input' })).toThrow(
        expect.objectContaining({ code: 'invalid_payload', message: expect.stringMatching(/^input\[0\]/) }),
      );
    }
  });

  it('accepts 1,000 levels', () => {
    expect(() => checkPayload(nested(1000))).not.toThrow();
  });
});

describe('checkPayload of a scalar', () => {
  const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');
  // Control characters and lone surrogates are the ones JSON escapes into 6 bytes.
  const anyString = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({
      unit: fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
      maxLength: 40,
    }),
    fc.string({
      unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)),
      maxLength: 40,
    }),
  );

  it('returns the string itself when its JSON text is within the limit, and refuses it when over', () => {
    fc.assert(
      fc.property(anyString, fc.integer({ min: 1, max: 300 }), (text, maxBytes) => {
        if (jsonBytes(text) <= maxBytes) expect(checkPayload(text, { maxBytes })).toBe(text);
        else expect(() => checkPayload(text, { maxBytes })).toThrow(PayloadError);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives numbers, booleans and null as JSON would, within any limit', () => {
    const scalar = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
    );
    fc.assert(
      fc.property(scalar, fc.integer({ min: 1, max: 40 }), (value, maxBytes) => {
        if (jsonBytes(value) <= maxBytes) {
          expect(Object.is(checkPayload(value, { maxBytes }), JSON.parse(JSON.stringify(value)))).toBe(true);
        } else {
          expect(() => checkPayload(value, { maxBytes })).toThrow(PayloadError);
        }
      }),
      { numRuns: 1000 },
    );
    expect(Object.is(checkPayload(-0), 0)).toBe(true);
  });
});
