import { type VisibilityFilter, WORKFLOW_STATUSES, type WorkflowStatus } from '@reprise/core';
import { CliError } from './errors.js';
import { parseAttributes } from './json-arg.js';
import { parseTimeArgument } from './time-arg.js';

/** The filter options `list` and `count` share, as commander gives them. */
export interface FilterOptions {
  status?: string;
  type?: string;
  /** Only runs started by this build id. */
  build?: string;
  attr: string[];
  startedAfter?: string;
  startedBefore?: string;
  closedAfter?: string;
  closedBefore?: string;
}

/** The visibility filter of `list` and `count` options (all but the page). */
export function filterFromOptions(options: FilterOptions, now: number): VisibilityFilter {
  const attributes = parseAttributes(options.attr);
  const time = (option: string, text: string | undefined) =>
    text === undefined ? {} : { [option]: parseTimeArgument(`--${kebab(option)}`, text, now) };
  return {
    ...(options.status ? { status: parseStatuses(options.status) } : {}),
    ...(options.type ? { workflowType: options.type } : {}),
    ...(options.build ? { buildId: options.build } : {}),
    ...(Object.keys(attributes).length > 0 ? { searchAttributes: attributes } : {}),
    ...time('startedAfter', options.startedAfter),
    ...time('startedBefore', options.startedBefore),
    ...time('closedAfter', options.closedAfter),
    ...time('closedBefore', options.closedBefore),
  };
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** `--status a,b` as statuses, case-insensitive. */
export function parseStatuses(text: string): WorkflowStatus[] {
  return text.split(',').map((part) => {
    const wanted = part.trim().toLowerCase();
    const status = WORKFLOW_STATUSES.find((candidate) => candidate.toLowerCase() === wanted);
    if (!status) {
      throw new CliError(
        'usage',
        `--status ${JSON.stringify(part)} is not one of ${WORKFLOW_STATUSES.join(', ')}`,
      );
    }
    return status;
  });
}
