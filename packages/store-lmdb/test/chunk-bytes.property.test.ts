// A chunk is written piece by piece into its frame: its bytes are those of the frame of its text
// (`lastSeq`, the backlog's JSON as JSON.stringify makes it and a line feed, the events' array),
// so chunks keep the bytes format 6 wrote, in a slab or in a buffer of their own, and a chunk
// reads back as what it was written with.
import { expect, it } from '@jest/globals';
import type { RunBacklog } from '@reprise/core';
import fc from 'fast-check';
import { decodeChunk, encodeChunk, encodeFrame } from '../src/frame.js';

const backlogArbitrary: fc.Arbitrary<RunBacklog> = fc
  .record({
    activities: fc.oneof(fc.nat(20), fc.maxSafeNat()),
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

const eventTextArbitrary = fc.oneof(
  fc.json(),
  // Long enough for a frame of its own, with characters of 1 to 4 UTF-8 bytes.
  fc.string({ unit: 'binary', minLength: 3000, maxLength: 6000 }).map((text) => JSON.stringify(text)),
);

it('writes the bytes of the frame of its text, and reads back its last seq, backlog and events', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      fc.option(backlogArbitrary, { nil: undefined }),
      fc.array(eventTextArbitrary, { minLength: 1, maxLength: 4 }),
      fc.nat(200),
      (lastSeq, backlog, texts, filler) => {
        // Frames before it, so that chunks start anywhere in a slab and cross to the next one.
        for (let index = 0; index < filler; index++) encodeFrame('"x"');
        const chunk = encodeChunk(lastSeq, texts, backlog);
        const text = `${lastSeq}${backlog === undefined ? '' : `${JSON.stringify(backlog)}\n`}[${texts.join(',')}]`;
        expect(Buffer.compare(chunk, encodeFrame(text))).toBe(0);
        const body = decodeChunk(chunk.toString('utf8'), 1, () => 'chunk');
        expect(body.lastSeq).toBe(lastSeq);
        expect(body.backlog).toEqual(backlog);
        expect(JSON.parse(`[${body.events}]`)).toEqual(texts.map((item) => JSON.parse(item)));
      },
    ),
    { numRuns: 400 },
  );
});
