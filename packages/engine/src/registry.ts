/**
 * The definitions an engine runs: its workflows and activities by name, each made by
 * `defineWorkflow` / `defineActivity`, each name registered once.
 */
import { type ActivityDefinition, InvalidArgumentError, type WorkflowDefinition } from '@reprise/core';

export type AnyWorkflow = WorkflowDefinition<never, unknown>;
export type AnyActivity = ActivityDefinition<never, unknown>;

/** Indexes definitions by name; refuses one not made by its `define` function, or a name twice. */
export function indexDefinitions<D extends { kind: string; name: string }>(
  kind: 'workflow' | 'activity',
  definitions: readonly D[],
): Map<string, D> {
  const index = new Map<string, D>();
  for (const definition of definitions) {
    if (definition?.kind !== kind) {
      throw new InvalidArgumentError(
        `${kind}s`,
        `each entry must be made by define${kind === 'workflow' ? 'Workflow' : 'Activity'}`,
      );
    }
    if (index.has(definition.name))
      throw new InvalidArgumentError(`${kind}s`, `${JSON.stringify(definition.name)} is registered twice`);
    index.set(definition.name, definition);
  }
  return index;
}
