// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape codes colours add.
const COLOUR_CODES = /\u001b\[[0-9;]*m/g;

/** How wide a cell shows: its length without the escape codes of its colours. */
const visibleLength = (cell: string) => cell.replace(COLOUR_CODES, '').length;

/** A plain-text table: a header row, then rows, columns padded to their widest cell. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(visibleLength(title), ...rows.map((row) => visibleLength(row[column] ?? ''))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1
          ? cell
          : cell + ' '.repeat(Math.max(0, (widths[column] ?? 0) - visibleLength(cell))),
      )
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
