// Window: an error with an unbounded message, stack or details became ErrorData over the payload
// limit, so the event carrying it was refused and its run could record nothing more.
import { checkPayload } from '@reprise/core';
import { toErrorData } from '@reprise/core/internal';

const FIVE_MB = 5 * 1024 * 1024;

it('cuts a 5 MB message and stack with a marker, keeping their start', () => {
  const error = new Error('m'.repeat(FIVE_MB));
  error.stack = `Error: ${'s'.repeat(FIVE_MB)}`;
  const data = toErrorData(error);
  expect(data.message.length).toBeLessThanOrEqual(8 * 1024);
  expect(data.message).toMatch(/^m+ …\[truncated, 5242880 characters in all\]$/);
  expect(data.stack?.length).toBeLessThanOrEqual(16 * 1024);
  expect(data.stack).toMatch(/^Error: s+ …\[truncated, \d+ characters in all\]$/);
  expect(() => checkPayload(data as never)).not.toThrow();
});

it('cuts huge details and a huge thrown non-Error to fit', () => {
  const withDetails = Object.assign(new Error('x'), { details: { body: 'd'.repeat(FIVE_MB) } });
  const data = toErrorData(withDetails);
  expect(JSON.stringify(data).length).toBeLessThan(100 * 1024);
  expect(data.details).toEqual(expect.stringMatching(/^\{"body":"d+ …\[truncated/));
  const thrown = toErrorData({ dump: 'z'.repeat(FIVE_MB) });
  expect(JSON.stringify(thrown).length).toBeLessThan(100 * 1024);
  expect(() => checkPayload(thrown as never)).not.toThrow();
});

it('leaves small errors whole and never splits a surrogate pair', () => {
  const small = toErrorData(Object.assign(new TypeError('short'), { details: { a: 1 } }));
  expect(small).toMatchObject({ name: 'TypeError', message: 'short', details: { a: 1 } });
  const emoji = toErrorData(new Error('😀'.repeat(FIVE_MB / 4)));
  const cut = emoji.message.slice(0, emoji.message.indexOf(' …[truncated'));
  expect(cut).toMatch(/^(😀)+$/u);
});
