import {
  ActivityFailure,
  asWorkflowId,
  ConcurrencyConflict,
  checkWorkflowId,
  DEFAULT_RETRY_POLICY,
  DurationError,
  defaultChildWorkflowId,
  InMemoryStore,
  InvalidArgumentError,
  isValidWorkflowId,
  NonDeterminismError,
  PayloadError,
  type RepriseError,
  SearchAttributeError,
  toMs,
  WorkflowAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@reprise/core';
import {
  checkSearchAttributeSchema,
  fromErrorData,
  isNonRetryable,
  newRunId,
  newWorkflowId,
  nextRetryDelay,
  normalizeRetryPolicy,
  toErrorData,
  validateSearchAttributes,
} from '@reprise/core/internal';
import { retryPolicyArbitrary } from '@reprise/testkit';
import fc from 'fast-check';

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['5s', 5000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1.5s', 1500],
    [' 10 s ', 10_000],
    [0, 0],
    [42, 42],
  ] as const)('%p is %p ms', (input, ms) => {
    expect(toMs(input)).toBe(ms);
  });

  it.each(['', '5', '5x', '-1s', 'abc', '1e3s', '1h30m'])('refuses %p, naming it', (bad) => {
    expect(() => toMs(bad)).toThrow(DurationError);
    expect(() => toMs(bad)).toThrow(JSON.stringify(bad));
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses the number %p', (bad) => {
    expect(() => toMs(bad)).toThrow(expect.objectContaining({ code: 'invalid_duration' }));
  });
});

describe('retry policy', () => {
  it('resolves Temporal-like defaults and refuses out-of-domain values', () => {
    expect(normalizeRetryPolicy()).toEqual(DEFAULT_RETRY_POLICY);
    // One shared, frozen object for every activity that sets no policy (none allocated per call).
    expect(normalizeRetryPolicy()).toBe(normalizeRetryPolicy());
    expect(Object.isFrozen(normalizeRetryPolicy().nonRetryableErrorTypes)).toBe(true);
    expect(normalizeRetryPolicy({ initialInterval: '2s' })).toMatchObject({
      initialInterval: 2000,
      maximumInterval: 200_000,
    });
    expect(() => normalizeRetryPolicy({ backoffCoefficient: 0.5 })).toThrow(InvalidArgumentError);
    expect(() => normalizeRetryPolicy({ maximumAttempts: -1 })).toThrow(/retry.maximumAttempts/);
    expect(() => normalizeRetryPolicy({ initialInterval: '10s', maximumInterval: '1s' })).toThrow(
      /maximumInterval/,
    );
  });

  it('backs off exponentially up to the cap', () => {
    const policy = normalizeRetryPolicy({
      initialInterval: 100,
      backoffCoefficient: 2,
      maximumInterval: 1000,
      maximumAttempts: 6,
    });
    expect([1, 2, 3, 4, 5, 6].map((attempt) => nextRetryDelay(policy, attempt))).toEqual([
      100,
      200,
      400,
      800,
      1000,
      undefined,
    ]);
  });

  it('never retries non-retryable errors', () => {
    const policy = normalizeRetryPolicy({ nonRetryableErrorTypes: ['PaymentDeclined'] });
    expect(nextRetryDelay(policy, 1, { name: 'PaymentDeclined', message: 'no' })).toBeUndefined();
    expect(nextRetryDelay(policy, 1, { name: 'Error', message: 'no', nonRetryable: true })).toBeUndefined();
    expect(nextRetryDelay(policy, 1, { name: 'Error', message: 'flaky' })).toBe(1000);
  });

  it('delays are monotone, within [initial, maximum], and stop exactly at maximumAttempts', () => {
    fc.assert(
      fc.property(retryPolicyArbitrary(), fc.integer({ min: 1, max: 40 }), (policy, attempt) => {
        const delay = nextRetryDelay(policy, attempt);
        if (policy.maximumAttempts > 0 && attempt >= policy.maximumAttempts) {
          expect(delay).toBeUndefined();
          return;
        }
        expect(delay).toBeGreaterThanOrEqual(policy.initialInterval);
        expect(delay).toBeLessThanOrEqual(policy.maximumInterval);
        const next = nextRetryDelay(policy, attempt + 1);
        if (next !== undefined) expect(next).toBeGreaterThanOrEqual(delay as number);
        expect(isNonRetryable(policy, { name: 'X', message: '' })).toBe(false);
      }),
    );
  });
});

describe('search attributes', () => {
  const schema = checkSearchAttributeSchema({
    customer: 'keyword',
    note: 'text',
    amount: 'double',
    items: 'int',
    vip: 'bool',
    placedAt: 'datetime',
    tags: 'keywordList',
  });

  it('normalizes valid values (datetimes to ISO-8601 UTC) and lets null clear one', () => {
    expect(
      validateSearchAttributes(schema, {
        customer: 'ada',
        note: 'hello world',
        amount: 9.5,
        items: 3,
        vip: false,
        placedAt: 0,
        tags: ['a'],
      }),
    ).toEqual({
      customer: 'ada',
      note: 'hello world',
      amount: 9.5,
      items: 3,
      vip: false,
      placedAt: '1970-01-01T00:00:00.000Z',
      tags: ['a'],
    });
    expect(validateSearchAttributes(schema, { placedAt: new Date(Date.UTC(2026, 0, 2)) })).toEqual({
      placedAt: '2026-01-02T00:00:00.000Z',
    });
    expect(validateSearchAttributes(schema, { customer: null })).toEqual({ customer: null });
  });

  it.each([
    [{ missing: 1 }, 'missing', /not declared/],
    [{ customer: 1 }, 'customer', /not a valid keyword/],
    [{ items: 1.5 }, 'items', /not a valid int/],
    [{ amount: Number.NaN }, 'amount', /not a valid double/],
    [{ vip: 'yes' }, 'vip', /not a valid bool/],
    [{ placedAt: 'not a date' }, 'placedAt', /not a valid datetime/],
    [{ placedAt: 1e20 }, 'placedAt', /not a valid datetime/],
    [{ tags: ['a', 2] }, 'tags', /not a valid keywordList/],
  ])('refuses %p naming %p', (attributes, name, message) => {
    let error: unknown;
    try {
      validateSearchAttributes(schema, attributes);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SearchAttributeError);
    expect(error).toMatchObject({ code: 'invalid_search_attribute', attribute: name });
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a schema with an unknown type', () => {
    expect(() => checkSearchAttributeSchema({ x: 'float' })).toThrow(/unknown type "float"/);
  });
});

describe('errors', () => {
  it('every error is a RepriseError with a stable code and a name', () => {
    const errors: RepriseError[] = [
      new PayloadError('input.a', 'bad'),
      new ConcurrencyConflict('w', 1, 2),
      new WorkflowNotFoundError('w'),
      new WorkflowAlreadyStartedError('w', 'r', 'Running'),
      new WorkflowFailedError('w', { name: 'E', message: 'm' }),
      new ActivityFailure('charge', '1', 3, { name: 'E', message: 'm' }),
      new NonDeterminismError('w', 2, 'ActivityScheduled charge', 'timer'),
    ];
    const codes = errors.map((error) => error.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(error.constructor.name);
      expect(error.code).toMatch(/^[a-z_]+$/);
    }
    expect(errors[6]?.message).toContain('command #2');
  });

  it('turns thrown values into plain data and back', () => {
    const thrown = Object.assign(new TypeError('boom'), { details: { id: 7 }, nonRetryable: true });
    const data = toErrorData(thrown);
    expect(data).toMatchObject({
      name: 'TypeError',
      message: 'boom',
      details: { id: 7 },
      nonRetryable: true,
    });
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
    const back = fromErrorData(data);
    expect(back).toMatchObject({
      name: 'TypeError',
      message: 'boom',
      details: { id: 7 },
      nonRetryable: true,
    });
    expect(toErrorData('just a string')).toEqual({
      name: 'NonErrorThrown',
      message: 'just a string',
      details: 'just a string',
    });
    expect(toErrorData({ code: 42 })).toMatchObject({ name: 'NonErrorThrown', details: { code: 42 } });
    expect(toErrorData(undefined)).toEqual({ name: 'NonErrorThrown', message: 'undefined' });
  });
});

describe('ids', () => {
  it('are unique, URL-safe strings', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newWorkflowId()));
    expect(ids.size).toBe(1000);
    expect(newRunId()).toMatch(/^[A-Za-z0-9_-]{21}$/);
  });

  it('use every character of the alphabet, across many draws of random bytes', () => {
    // 5,000 ids span three draws (each makes 2,048); 105,000 characters reach all 64 of the alphabet.
    const ids = Array.from({ length: 5000 }, () => newRunId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{21}$/);
    expect(new Set(ids.join('')).size).toBe(64);
  });
});

describe('the one workflow id rule', () => {
  it('counts UTF-8 bytes as well as characters', () => {
    expect(isValidWorkflowId('漢'.repeat(333))).toBe(true); // 999 bytes
    expect(isValidWorkflowId('漢'.repeat(334))).toBe(false); // 1,002 bytes
    expect(isValidWorkflowId('a'.repeat(512))).toBe(true);
    expect(isValidWorkflowId('a'.repeat(513))).toBe(false);
    expect(isValidWorkflowId('')).toBe(false);
    expect(() => checkWorkflowId('')).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });

  it('gives a long parent a default child id within the rule, unique by the run id', () => {
    const parent = '漢'.repeat(333);
    const id = defaultChildWorkflowId(parent, 'run-id-of-21-chars-xx', 'c1');
    expect(isValidWorkflowId(id)).toBe(true);
    expect(id.endsWith('.run-id-of-21-chars-xx.c1')).toBe(true);
    expect(id.startsWith('漢')).toBe(true);
    expect(defaultChildWorkflowId('p', 'r', 'c1')).toBe('p.r.c1');
    const astral = defaultChildWorkflowId('😀'.repeat(250), 'r', 'c2');
    expect(isValidWorkflowId(astral)).toBe(true);
    expect(astral).toMatch(/^(😀)+\.r\.c2$/u);
  });

  it('is held by every store: an append under an id over the rule is refused', async () => {
    const store = new InMemoryStore();
    const workflowId = '漢'.repeat(334);
    await expect(store.append(asWorkflowId(workflowId), [], { expectedSeq: 0 })).rejects.toMatchObject({
      code: 'invalid_argument',
      argument: 'workflowId',
    });
  });
});
