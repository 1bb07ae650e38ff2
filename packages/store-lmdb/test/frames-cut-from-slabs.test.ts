// Frames share slabs: a frame handed out is never written again by a later one, across slab
// boundaries, and a frame too large for a slab gets a buffer of its own.
import { expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeFrame, encodeFrame } from '../src/frame.js';

const key = () => 'test frame';

it('every frame still decodes to its own JSON after many more frames were cut', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.json(),
          fc.string({ unit: 'binary', maxLength: 3000 }).map((s) => JSON.stringify(s)),
        ),
        { minLength: 1, maxLength: 200 },
      ),
      (texts) => {
        const frames = texts.map(encodeFrame);
        // More frames than a slab holds, so later slabs are cut while the first frames are kept.
        for (let filler = 0; filler < 300; filler++)
          encodeFrame(JSON.stringify({ filler, pad: 'x'.repeat(500) }));
        frames.forEach((frame, index) => {
          expect(decodeFrame(frame.toString('utf8'), key)).toEqual(JSON.parse(texts[index] as string));
        });
      },
    ),
    { numRuns: 30 },
  );
});

it('a frame larger than a slab is whole and has its own buffer', () => {
  const json = JSON.stringify({ big: 'é'.repeat(100_000) });
  const frame = encodeFrame(json);
  expect(frame.byteLength).toBe(8 + Buffer.byteLength(json));
  expect(frame.buffer.byteLength).toBeLessThan(2 * frame.byteLength);
  expect(decodeFrame(frame.toString('utf8'), key)).toEqual(JSON.parse(json));
});
