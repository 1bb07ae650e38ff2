// Window: Engine.create and the stores took options they cannot work with: `store: {}` failed
// later with a plain TypeError, and a `maxPayloadBytes` of 0 or -1 was accepted.
import { defineWorkflow, InMemoryStore, type WorkflowStore } from '@reprise/core';
import { Engine } from '@reprise/engine';

const noop = defineWorkflow('noop', async () => null);

it('refuses a store that is not a WorkflowStore, naming the missing operations', async () => {
  await expect(
    Engine.create({ store: {} as unknown as WorkflowStore, workflows: [noop] }),
  ).rejects.toMatchObject({
    code: 'invalid_argument',
    message: expect.stringMatching(/^store: is not a WorkflowStore: it has no append, readHistory/),
  });
});

it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
  'refuses maxPayloadBytes %p in the engine and the in-memory store',
  async (maxPayloadBytes) => {
    await expect(Engine.create({ workflows: [noop], maxPayloadBytes })).rejects.toMatchObject({
      code: 'invalid_argument',
      argument: 'maxPayloadBytes',
    });
    expect(() => new InMemoryStore({ maxPayloadBytes })).toThrow(
      expect.objectContaining({ code: 'invalid_argument', argument: 'maxPayloadBytes' }),
    );
  },
);

it('still takes a positive maxPayloadBytes', async () => {
  const engine = await Engine.create({ workflows: [noop], maxPayloadBytes: 1024 });
  await engine.shutdown();
});
