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
  const plain = renderTable(
    ['A', 'B'],
    [
      ['Failed', 'x'],
      ['Completed', 'y'],
    ],
  );
  const coloured = renderTable(
    ['A', 'B'],
    [
      [styledStatus(colours, 'Failed'), 'x'],
      [styledStatus(colours, 'Completed'), 'y'],
    ],
  );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing the colour codes.
  expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain);
});
