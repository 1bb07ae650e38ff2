import { nanoid } from 'nanoid';
import { InvalidArgumentError } from './errors.js';

declare const brand: unique symbol;
/** A nominal string type: a `WorkflowId` cannot be passed where a `RunId` is expected. */
export type Brand<T, Name extends string> = T & { readonly [brand]: Name };

/** Identifies a workflow across all of its runs; its history is keyed by it. */
export type WorkflowId = Brand<string, 'WorkflowId'>;
/** Identifies one run (one segment of a workflow's history). */
export type RunId = Brand<string, 'RunId'>;

/** A fresh, URL-safe random workflow id. */
export const newWorkflowId = (): WorkflowId => nanoid() as WorkflowId;
/** A fresh, URL-safe random run id. */
export const newRunId = (): RunId => nanoid() as RunId;

/** Treats a caller-supplied string as a workflow id (no validation beyond the type). */
export const asWorkflowId = (id: string): WorkflowId => id as WorkflowId;
/** Treats a caller-supplied string as a run id. */
export const asRunId = (id: string): RunId => id as RunId;
/** The longest workflow id accepted, in UTF-16 code units. */
export const MAX_WORKFLOW_ID_LENGTH = 512;

/**
 * The one rule for a workflow id a caller gives: a string of 1 to 512 characters. Anything else
 * is refused with an InvalidArgumentError naming the value.
 */
export function checkWorkflowId(workflowId: unknown): WorkflowId {
  if (
    typeof workflowId !== 'string' ||
    workflowId.length === 0 ||
    workflowId.length > MAX_WORKFLOW_ID_LENGTH
  ) {
    throw new InvalidArgumentError(
      'workflowId',
      `${JSON.stringify(workflowId)} must be a string of 1 to ${MAX_WORKFLOW_ID_LENGTH} characters`,
    );
  }
  return workflowId as WorkflowId;
}
