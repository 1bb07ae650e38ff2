// Window: ids holding terminal escape sequences or newlines were printed raw by start, list, show
// and describe, so an id could rewrite the user's screen or forge a line.

import { renderDescription } from '../src/format/description.js';
import { printable } from '../src/format/printable.js';

it('shows control characters, separators and bidi overrides as escapes', () => {
  expect(printable('\u001b[2J\u001b]0;owned\u0007evil\nline\r\u009b\u2028\u202e')).toBe(
    '\\u001b[2J\\u001b]0;owned\\u0007evil\\u000aline\\u000d\\u009b\\u2028\\u202e',
  );
});

it('leaves printable text, CJK and emoji included, unchanged', () => {
  expect(printable('order-42 注文 🚀 tab-free')).toBe('order-42 注文 🚀 tab-free');
});

it('describe prints an id with an escape sequence escaped', () => {
  const text = renderDescription(
    {
      workflowId: 'evil\u001b[31m',
      workflowType: 'type\u001b[0m',
      status: 'Running',
      runId: 'run\n1',
      startedAt: 0,
      historyLength: 1,
      searchAttributes: {},
      residency: 'resident',
      pendingActivities: [],
      pendingTimers: [],
      pendingSignals: [],
    } as unknown as Parameters<typeof renderDescription>[0],
    0,
    'a worker',
  );
  expect(text.includes('\u001b')).toBe(false);
  expect(text).toContain('evil\\u001b[31m');
  expect(text).toContain('run\\u000a1');
});
