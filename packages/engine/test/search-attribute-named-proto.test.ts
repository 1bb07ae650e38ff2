// Window: a search attribute named `__proto__` (declared and given as JSON, so an own key) was
// silently dropped: assigning it to a plain object set the object's prototype instead.
import { defineWorkflow, type SearchAttributeSchema, type SearchAttributes } from '@reprise/core';
import { createTestEngine } from '@reprise/testkit';

const noop = defineWorkflow('noop', async (ctx) => ctx.waitForSignal('go'));

it('keeps a search attribute named __proto__ as an own key, and lists by it', async () => {
  const env = await createTestEngine({
    workflows: [noop],
    searchAttributes: JSON.parse('{"__proto__":"keyword"}') as SearchAttributeSchema,
  });
  try {
    const attributes = JSON.parse('{"__proto__":"gold"}') as SearchAttributes;
    const handle = await env.engine.start(noop, null, {
      workflowId: 'proto-1',
      searchAttributes: attributes,
    });
    await env.idle();
    const described = (await handle.describe()).searchAttributes;
    expect(Object.hasOwn(described, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(described, '__proto__')?.value).toBe('gold');
    expect(Object.getPrototypeOf(described)).toBe(Object.prototype);
    const listed = await env.engine.list({ searchAttributes: attributes });
    expect(listed.items.map((item) => item.workflowId)).toEqual(['proto-1']);
    const other = JSON.parse('{"__proto__":"silver"}') as SearchAttributes;
    expect((await env.engine.list({ searchAttributes: other })).items).toEqual([]);
  } finally {
    await env.close();
  }
});
