// A chunk is written piece by piece into its frame: its bytes are those of the frame of its text
// (`lastSeq`, the backlog's JSON as JSON.stringify makes it and a line feed, the events' array),
// so chunks of JSON texts keep the bytes format 6 wrote, in a slab or in a buffer of their own;
// a chunk of packed events has the same header and then their MessagePack array. A chunk reads
// back as what it was written with.
import { expect, it } from '@jest/globals';
import type { RunBacklog, WorkflowEvent } from '@reprise/core';
import fc from 'fast-check';
import { decodeChunk, encodeChunk, encodeFrame, type PackedEvents, packEvents } from '../src/frame.js';

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
        const body = decodeChunk(chunk, 1, () => 'chunk');
        expect(body.lastSeq).toBe(lastSeq);
        expect(body.backlog).toEqual(backlog);
        expect(JSON.parse(`[${body.events}]`)).toEqual(texts.map((item) => JSON.parse(item)));
      },
    ),
    { numRuns: 400 },
  );
});

/** Plain JSON objects with keys and strings a binary encoding reads back (no `__proto__`, no lone surrogate). */
const packableObject = fc.dictionary(
  fc.string().filter((key) => key !== '__proto__'),
  fc.oneof(
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string()),
  ),
);

it('writes packed events after the same header, and reads back their last seq, backlog and events', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      fc.option(backlogArbitrary, { nil: undefined }),
      fc.array(packableObject, { minLength: 1, maxLength: 20 }),
      fc.nat(200),
      (lastSeq, backlog, events, filler) => {
        for (let index = 0; index < filler; index++) encodeFrame('"x"');
        const packed = packEvents(events as unknown as WorkflowEvent[]) as PackedEvents;
        expect(packed.count).toBe(events.length);
        const chunk = encodeChunk(lastSeq, packed, backlog);
        const header = `${lastSeq}${backlog === undefined ? '' : `${JSON.stringify(backlog)}\n`}`;
        const expected = encodeFrame(header + 'x'.repeat(packed.packed.length));
        expect(chunk.length).toBe(expected.length);
        expect(chunk.subarray(8, 8 + Buffer.byteLength(header)).toString('utf8')).toBe(header);
        expect(
          Buffer.compare(chunk.subarray(8 + Buffer.byteLength(header)), Buffer.from(packed.packed)),
        ).toBe(0);
        const body = decodeChunk(chunk, 1, () => 'chunk');
        expect(body.lastSeq).toBe(lastSeq);
        expect(body.backlog).toEqual(backlog);
        // As JSON would read them back: -0 is 0 there too.
        expect(body.events).toEqual(JSON.parse(JSON.stringify(events)));
      },
    ),
    { numRuns: 400 },
  );
});
