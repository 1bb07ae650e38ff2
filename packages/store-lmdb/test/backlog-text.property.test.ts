// A chunk's backlog is written field by field: its text is what JSON.stringify makes of the
// backlogs the projection builds (so chunks keep the bytes format 6 wrote), and a chunk gives
// back the backlog it was written with.
import { expect, it } from '@jest/globals';
import type { RunBacklog } from '@reprise/core';
import fc from 'fast-check';
import { backlogText, decodeChunk, encodeChunk } from '../src/frame.js';

const backlogArbitrary: fc.Arbitrary<RunBacklog> = fc
  .record({
    activities: fc.nat(),
    children: fc.nat(),
    signals: fc.nat(),
    input: fc.boolean(),
    build: fc.option(fc.string({ unit: 'binary' }), { nil: undefined }),
  })
  .map(({ activities, children, signals, input, build }) => ({
    activities,
    children,
    signals,
    ...(input ? { input: true as const } : {}),
    ...(build === undefined ? {} : { build }),
  }));

it('writes the text JSON.stringify makes, and a chunk reads the backlog back', () => {
  fc.assert(
    fc.property(backlogArbitrary, fc.integer({ min: 1, max: 1_000_000 }), (backlog, lastSeq) => {
      expect(backlogText(backlog)).toBe(JSON.stringify(backlog));
      const frame = encodeChunk(lastSeq, ['{"seq":1}'], backlog).toString('utf8');
      expect(decodeChunk(frame, 1, () => 'chunk').backlog).toEqual(backlog);
    }),
    { numRuns: 500 },
  );
});
