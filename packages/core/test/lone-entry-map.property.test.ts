import { LoneEntryMap } from '@reprise/core/internal';
import fc from 'fast-check';

type Op =
  | { readonly kind: 'set'; readonly key: string; readonly value: number }
  | { readonly kind: 'delete'; readonly key: string };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    key: fc.constantFrom('a', 'b', 'c', 'd'),
    value: fc.integer(),
  }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom('a', 'b', 'c', 'd') }),
);

test('a LoneEntryMap answers as a Map does after any sequence of sets and deletes, in insertion order', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const map = new LoneEntryMap<number>();
      const model = new Map<string, number>();
      for (const step of ops) {
        if (step.kind === 'set') {
          expect(map.set(step.key, step.value)).toBe(map);
          model.set(step.key, step.value);
        } else {
          expect(map.delete(step.key)).toBe(model.delete(step.key));
        }
        expect(map.size).toBe(model.size);
        expect([...map]).toEqual([...model]);
        expect([...map.keys()]).toEqual([...model.keys()]);
        expect([...map.values()]).toEqual([...model.values()]);
        for (const key of ['a', 'b', 'c', 'd']) {
          expect(map.get(key)).toBe(model.get(key));
          expect(map.has(key)).toBe(model.has(key));
        }
        const visited: [string, number][] = [];
        map.forEach((value, key, self) => {
          expect(self).toBe(map);
          visited.push([key, value]);
        });
        expect(visited).toEqual([...model]);
      }
    }),
  );
});
