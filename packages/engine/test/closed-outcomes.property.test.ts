import { expect, it } from '@jest/globals';
import type { TerminalOutcome, WorkflowId } from '@reprise/core';
import fc from 'fast-check';
import {
  ClosedOutcomes,
  MAX_CLOSED_OUTCOME_BYTES,
  MAX_CLOSED_OUTCOMES,
  MAX_OUTCOME_BYTES,
} from '../src/closed-outcomes.js';

const completed = (result: string): TerminalOutcome => ({ status: 'Completed', result });

it('holds the latest outcome of the ids it keeps, forgets the oldest first, and stays within its bounds', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.record({
            op: fc.constant('remember' as const),
            id: fc.nat(20),
            size: fc.nat(MAX_OUTCOME_BYTES + 100),
          }),
          fc.record({ op: fc.constant('forget' as const), id: fc.nat(20) }),
        ),
        { maxLength: 60 },
      ),
      (ops) => {
        const outcomes = new ClosedOutcomes();
        // The model: ids in order of their last remember, each with its outcome.
        let model: { id: number; result: string }[] = [];
        for (const [index, op] of ops.entries()) {
          const id = `w${op.id}` as WorkflowId;
          model = model.filter((held) => held.id !== op.id);
          if (op.op === 'forget') outcomes.forget(id);
          else {
            const result = `${index}:`.padEnd(op.size, 'x');
            outcomes.remember(id, completed(result));
            // The estimate of `{"status":"Completed","result":"..."}`: braces, two keys with their
            // quotes, colon and comma, and two quoted strings.
            if (2 + (6 + 4 + 11) + (6 + 4 + result.length + 2) <= MAX_OUTCOME_BYTES)
              model.push({ id: op.id, result });
          }
        }
        for (let id = 0; id <= 20; id++) {
          const held = model.find((entry) => entry.id === id);
          const got = outcomes.get(`w${id}` as WorkflowId);
          // Held by the model and not evicted for room: the latest outcome; never a stale one.
          if (got !== undefined) expect(got).toEqual(completed(held?.result as string));
        }
        // Only the oldest are evicted: what is kept is a suffix of the model's order.
        const kept = model.filter((entry) => outcomes.get(`w${entry.id}` as WorkflowId) !== undefined);
        expect(kept).toEqual(model.slice(model.length - kept.length));
        expect(outcomes.held.count).toBe(kept.length);
        expect(outcomes.held.bytes).toBeLessThanOrEqual(MAX_CLOSED_OUTCOME_BYTES);
      },
    ),
  );
});

it('keeps at most MAX_CLOSED_OUTCOMES, and about MAX_CLOSED_OUTCOME_BYTES, forgetting the oldest', () => {
  const outcomes = new ClosedOutcomes();
  for (let index = 0; index < MAX_CLOSED_OUTCOMES + 5; index++)
    outcomes.remember(`w${index}` as WorkflowId, completed('ok'));
  expect(outcomes.held.count).toBe(MAX_CLOSED_OUTCOMES);
  expect(outcomes.get('w4' as WorkflowId)).toBeUndefined();
  expect(outcomes.get('w5' as WorkflowId)).toEqual(completed('ok'));

  const large = new ClosedOutcomes();
  const result = 'z'.repeat(MAX_OUTCOME_BYTES - 100);
  const fit = Math.floor(MAX_CLOSED_OUTCOME_BYTES / MAX_OUTCOME_BYTES);
  for (let index = 0; index < fit * 2; index++) large.remember(`w${index}` as WorkflowId, completed(result));
  expect(large.held.bytes).toBeLessThanOrEqual(MAX_CLOSED_OUTCOME_BYTES);
  expect(large.held.count).toBeGreaterThanOrEqual(fit - 1);
  expect(large.get(`w${fit * 2 - 1}` as WorkflowId)).toEqual(completed(result));
  expect(large.get('w0' as WorkflowId)).toBeUndefined();
});

it('keeps no ContinuedAsNew, and nothing over MAX_OUTCOME_BYTES (walking no further than that)', () => {
  const outcomes = new ClosedOutcomes();
  outcomes.remember('a' as WorkflowId, completed('first'));
  outcomes.remember(
    'a' as WorkflowId,
    { status: 'ContinuedAsNew', input: null } as unknown as TerminalOutcome,
  );
  expect(outcomes.get('a' as WorkflowId)).toBeUndefined();
  const huge = Array.from({ length: 1_000_000 }, () => 1);
  outcomes.remember('b' as WorkflowId, { status: 'Completed', result: huge });
  expect(outcomes.get('b' as WorkflowId)).toBeUndefined();
  expect(outcomes.held).toEqual({ count: 0, bytes: 0 });
});

it('forgetWhere forgets the ids that pass the test and keeps the others, with their bytes', () => {
  const outcomes = new ClosedOutcomes();
  for (let index = 0; index < 10; index++)
    outcomes.remember(`w${index}` as WorkflowId, completed(`r${index}`));
  const before = outcomes.held.bytes;
  outcomes.forgetWhere((workflowId) => Number(workflowId.slice(1)) % 2 === 0);
  for (let index = 0; index < 10; index++) {
    const got = outcomes.get(`w${index}` as WorkflowId);
    expect(got).toEqual(index % 2 === 0 ? undefined : completed(`r${index}`));
  }
  expect(outcomes.held.count).toBe(5);
  expect(outcomes.held.bytes).toBe(before / 2);
});
