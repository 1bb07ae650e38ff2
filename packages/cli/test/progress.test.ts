// Progress bars go to a terminal only: off one (a pipe, a file, CI) nothing is written.
import { startProgress } from '../src/format/progress.js';

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  const stream = {
    isTTY,
    columns: 100,
    write: (chunk: string) => {
      written.push(String(chunk));
      return true;
    },
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
    on: () => stream,
    removeListener: () => stream,
  };
  return { stream: stream as unknown as NodeJS.WriteStream, written };
}

it('draws on a terminal, with the count and the extra fields', () => {
  const { stream, written } = fakeStream(true);
  const bar = startProgress('export', 3, ' · {diverged} diverged', { diverged: 0 }, stream);
  bar.advance(1, { diverged: 1 });
  bar.advance(2, { diverged: 1 });
  bar.stop();
  const text = written.join('');
  expect(text).toContain('export [');
  expect(text).toMatch(/3\/3 workflows · 1 diverged/);
});

it('writes nothing off a terminal', () => {
  const { stream, written } = fakeStream(false);
  const bar = startProgress('prune', 5, '', {}, stream);
  bar.advance(5);
  bar.stop();
  expect(written).toEqual([]);
});
