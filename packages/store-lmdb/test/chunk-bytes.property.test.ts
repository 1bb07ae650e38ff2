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

/**
 * A chunk as format 8 wrote it: a header, then the events packed, three of them as numbered
 * record structures (the format's list of shapes: 0x45, 0x46 and 0x48, and 0x56 for the error)
 * and the others' shapes defined in the chunk (after 0xd4 0x72). Stores hold such chunks: a
 * change to the list of shapes or to how events are packed that reads it otherwise fails here,
 * and needs a new format version. The numbers a chunk gives the shapes it defines depend on
 * what the packer packed before, so a chunk written now is compared by what it reads back as.
 */
const FORMAT_8_CHUNK =
  '623931316665623031307b2261637469766974696573223a312c226368696c6472656e223a302c227369676e616c73223a327d0a9445b14163746976697479436f6d706c65746564a472312e3301d4726092a26f6ba16ec39201cb400400000000000007cb427a2539828df000a36f2d3146ae41637469766974794661696c6564a472312e340256a54572726f72a462757379cb427a253982cc700008cb427a2539828e0000a36f2d3148b1576f726b666c6f77436f6d706c65746564a2773109cb427a2539828e1000a36f2d31d4726197a474797065aa7369676e616c4e616d65a77061796c6f6164a9726571756573744964a3736571aa7265636f726465644174aa776f726b666c6f774964ae5369676e616c5265636569766564a2676fc0a1710acb427a2539828e2000a36f2d31';
const FORMAT_8_EVENTS = [
  {
    type: 'ActivityCompleted',
    activityId: 'r1.3',
    attempt: 1,
    result: { ok: true, n: [1, 2.5] },
    seq: 7,
    recordedAt: 1796698810591,
    workflowId: 'o-1',
  },
  {
    type: 'ActivityFailed',
    activityId: 'r1.4',
    attempt: 2,
    error: { name: 'Error', message: 'busy' },
    retryAt: 1796698811591,
    seq: 8,
    recordedAt: 1796698810592,
    workflowId: 'o-1',
  },
  { type: 'WorkflowCompleted', result: 'w1', seq: 9, recordedAt: 1796698810593, workflowId: 'o-1' },
  {
    type: 'SignalReceived',
    signalName: 'go',
    payload: null,
    requestId: 'q',
    seq: 10,
    recordedAt: 1796698810594,
    workflowId: 'o-1',
  },
];

it('reads a packed chunk format 8 wrote, and writes those events as it did', () => {
  const backlog = { activities: 1, children: 0, signals: 2 };
  const written = Buffer.from(FORMAT_8_CHUNK, 'hex');
  const body = decodeChunk(written, 7, () => 'chunk');
  expect(body).toEqual({ lastSeq: 10, backlog, events: FORMAT_8_EVENTS });
  expect(JSON.stringify(body.events)).toBe(JSON.stringify(FORMAT_8_EVENTS));
  const now = encodeChunk(
    10,
    packEvents(FORMAT_8_EVENTS as unknown as WorkflowEvent[]) as PackedEvents,
    backlog,
  );
  expect(now.length).toBe(written.length);
  expect(JSON.stringify(decodeChunk(now, 7, () => 'chunk'))).toBe(JSON.stringify(body));
});
