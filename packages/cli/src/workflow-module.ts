import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ActivityDefinition, SearchAttributeSchema, WorkflowDefinition } from '@reprise/core';
import { CliError } from './errors.js';

/** The environment variable that names the module when `--module` is not given. */
export const MODULE_ENV = 'REPRISE_MODULE';

/** What a workflow module gives the CLI. */
export interface WorkflowModule {
  readonly path: string;
  // biome-ignore lint/suspicious/noExplicitAny: definitions of any input and output types
  readonly workflows: readonly WorkflowDefinition<any, any>[];
  // biome-ignore lint/suspicious/noExplicitAny: definitions of any input and output types
  readonly activities: readonly ActivityDefinition<any, any>[];
  readonly searchAttributes: SearchAttributeSchema | undefined;
}

type Exports = Record<string, unknown>;

const isDefinition = (kind: 'workflow' | 'activity', value: unknown): boolean =>
  typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === kind;

/**
 * Loads a module of workflows and activities. It exports `workflows` and `activities` arrays
 * (and `searchAttributes`, the engine's schema, if it uses any), either as named exports or as
 * fields of its default export. Without the arrays, every exported definition counts.
 */
export async function loadWorkflowModule(specifier: string): Promise<WorkflowModule> {
  const path = resolve(specifier);
  if (!existsSync(path)) throw new CliError('module_error', `module ${specifier} does not exist`);
  let loaded: Exports;
  try {
    loaded = (await import(pathToFileURL(path).href)) as Exports;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const hint =
      code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[cm]?ts$/.test(path)
        ? ' (a TypeScript module needs tsx: run the CLI through `npm run reprise --`)'
        : '';
    throw new CliError(
      'module_error',
      `cannot load module ${specifier}: ${(error as Error).message}${hint}`,
      {
        cause: error,
      },
    );
  }
  const fields: Exports =
    typeof loaded.default === 'object' && loaded.default !== null && !isDefinition('workflow', loaded.default)
      ? { ...(loaded.default as Exports), ...loaded }
      : loaded;
  const pick = (kind: 'workflow' | 'activity', listName: string) => {
    const list = fields[listName];
    if (list !== undefined) {
      if (!Array.isArray(list) || !list.every((item) => isDefinition(kind, item))) {
        throw new CliError(
          'module_error',
          `module ${specifier}: \`${listName}\` must be an array of define${kind === 'workflow' ? 'Workflow' : 'Activity'}(...) results`,
        );
      }
      return list;
    }
    return [...new Set(Object.values(fields).filter((value) => isDefinition(kind, value)))];
  };
  // biome-ignore lint/suspicious/noExplicitAny: definitions of any input and output types
  const workflows = pick('workflow', 'workflows') as WorkflowDefinition<any, any>[];
  // biome-ignore lint/suspicious/noExplicitAny: definitions of any input and output types
  const activities = pick('activity', 'activities') as ActivityDefinition<any, any>[];
  if (workflows.length === 0) {
    throw new CliError('module_error', `module ${specifier} exports no workflows`);
  }
  const schema = fields.searchAttributes;
  return {
    path,
    workflows,
    activities,
    searchAttributes:
      typeof schema === 'object' && schema !== null ? (schema as SearchAttributeSchema) : undefined,
  };
}

/** The module named by `--module`, or by REPRISE_MODULE; `undefined` when neither is set. */
export function moduleSpecifier(option: string | undefined): string | undefined {
  return option ?? (process.env[MODULE_ENV] || undefined);
}
