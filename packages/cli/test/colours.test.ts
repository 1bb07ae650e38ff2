// Colour only on a terminal: never when output is piped, when NO_COLOR is set, or TERM=dumb.
import { coloursFor, styledStatus } from '../src/format/style.js';
import { renderTable } from '../src/format/table.js';

it('colours a terminal only, and honours NO_COLOR and TERM=dumb', () => {
  const esc = '\u001b[';
  expect(styledStatus(coloursFor({ isTTY: true }, {}), 'Failed')).toContain(esc);
  expect(styledStatus(coloursFor({ isTTY: false }, {}), 'Failed')).toBe('Failed');
  expect(styledStatus(coloursFor({}, {}), 'Failed')).toBe('Failed');
  expect(styledStatus(coloursFor({ isTTY: true }, { NO_COLOR: '1' }), 'Failed')).toBe('Failed');
  expect(styledStatus(coloursFor({ isTTY: true }, { TERM: 'dumb' }), 'Failed')).toBe('Failed');
  // An empty NO_COLOR does not count (no-color.org).
  expect(styledStatus(coloursFor({ isTTY: true }, { NO_COLOR: '' }), 'Failed')).toContain(esc);
});

it('pads coloured cells by what they show, so columns line up', () => {
  const colours = coloursFor({ isTTY: true }, {});
  const terminal = { isTTY: true };
  const plain = renderTable(
    ['A', 'B'],
    [
      ['Failed', 'x'],
      ['Completed', 'y'],
    ],
    terminal,
  );
  const coloured = renderTable(
    ['A', 'B'],
    [
      [styledStatus(colours, 'Failed'), 'x'],
      [styledStatus(colours, 'Completed'), 'y'],
    ],
    terminal,
  );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing the colour codes.
  expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain);
});

it('off a terminal, a table is tab-separated values without colours, whatever a cell holds', () => {
  const colours = coloursFor({ isTTY: true }, {});
  const piped = renderTable(
    ['WORKFLOW ID', 'STATUS', 'NOTE'],
    [
      ['order 1', styledStatus(colours, 'Failed'), 'a\ttab and\na line'],
      ['order-2', 'Completed', ''],
    ],
    { isTTY: false },
  );
  expect(piped).toBe('WORKFLOW ID\tSTATUS\tNOTE\norder 1\tFailed\ta tab and a line\norder-2\tCompleted\t');
  expect(piped.split('\n').map((line) => line.split('\t').length)).toEqual([3, 3, 3]);
});
