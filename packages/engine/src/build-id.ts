/**
 * Build ids: which code an engine runs. A run records the build that started it (in its
 * WorkflowStarted) and each build that carried it on later (BuildChanged); a `pinned` workflow
 * type is resumed only by an engine of the build that started it.
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError, type WorkflowDefinition } from '@reprise/core';

/** The longest build id, in UTF-16 code units. */
const MAX_BUILD_ID_LENGTH = 256;

/**
 * The default build id: `src-` and the first 16 hex digits of the SHA-256 of every registered
 * workflow's name and source text (`run.toString()`), in name order. Code that changes any
 * workflow function changes it; activities, comments outside the functions, and the order of
 * registration do not.
 */
export function defaultBuildId(workflows: Iterable<WorkflowDefinition<never, unknown>>): string {
  const hash = createHash('sha256');
  for (const workflow of [...workflows].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    hash.update(workflow.name).update('\0').update(String(workflow.run)).update('\0');
  }
  return `src-${hash.digest('hex').slice(0, 16)}`;
}

/** Checks a build id given to `Engine.create`: a non-empty string of printable characters. */
export function checkBuildId(buildId: unknown): string {
  if (
    typeof buildId !== 'string' ||
    buildId.trim() === '' ||
    buildId.length > MAX_BUILD_ID_LENGTH ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
    /[\u0000-\u001f\u007f]/.test(buildId)
  ) {
    throw new InvalidArgumentError(
      'buildId',
      `${JSON.stringify(buildId)} must be a non-empty string of printable characters, at most ${MAX_BUILD_ID_LENGTH} long`,
    );
  }
  return buildId;
}
