import { urlAlphabet } from 'nanoid';
import { InvalidArgumentError } from './errors.js';

declare const brand: unique symbol;
/** A nominal string type: a `WorkflowId` cannot be passed where a `RunId` is expected. */
export type Brand<T, Name extends string> = T & { readonly [brand]: Name };

/** Identifies a workflow across all of its runs; its history is keyed by it. */
export type WorkflowId = Brand<string, 'WorkflowId'>;
/** Identifies one run (one segment of a workflow's history). */
export type RunId = Brand<string, 'RunId'>;

/** The length of a generated id: nanoid's, 126 random bits. */
const RANDOM_ID_LENGTH = 21;
/**
 * How many ids one draw of random bytes makes: 43,008 bytes, under the 65,536 that one
 * `getRandomValues` call may fill. Each draw costs a call whose overhead, in a busy engine,
 * outweighed the bytes drawn when it made 128 ids (as nanoid's pool does).
 */
const IDS_PER_DRAW = 2048;
/** The character codes of nanoid's URL-safe alphabet: the low 6 bits of a random byte pick one. */
const ALPHABET_CODES = Uint8Array.from(urlAlphabet, (character) => character.charCodeAt(0));
/** Random bytes already turned into id characters, taken `RANDOM_ID_LENGTH` at a time from `idOffset`. */
const idCharacters = Buffer.allocUnsafe(RANDOM_ID_LENGTH * IDS_PER_DRAW);
let idOffset = idCharacters.length;

/**
 * A fresh id as nanoid makes one (21 characters of its alphabet, each from the low 6 bits of a
 * byte from `crypto.getRandomValues`), read off in one string: nanoid appends its characters
 * one by one, which makes twenty strings on the way to each id (one per run started).
 */
function randomId(): string {
  if (idOffset === idCharacters.length) {
    crypto.getRandomValues(idCharacters);
    for (let index = 0; index < idCharacters.length; index++)
      idCharacters[index] = ALPHABET_CODES[(idCharacters[index] as number) & 63] as number;
    idOffset = 0;
  }
  const id = idCharacters.toString('latin1', idOffset, idOffset + RANDOM_ID_LENGTH);
  idOffset += RANDOM_ID_LENGTH;
  return id;
}

/** A fresh, URL-safe random workflow id. */
export const newWorkflowId = (): WorkflowId => randomId() as WorkflowId;
/** A fresh, URL-safe random run id. */
export const newRunId = (): RunId => randomId() as RunId;

/** Treats a caller-supplied string as a workflow id (no validation beyond the type). */
export const asWorkflowId = (id: string): WorkflowId => id as WorkflowId;
/** Treats a caller-supplied string as a run id. */
export const asRunId = (id: string): RunId => id as RunId;
/** The longest workflow id accepted, in UTF-16 code units. */
export const MAX_WORKFLOW_ID_LENGTH = 512;
/**
 * The longest workflow id accepted, in UTF-8 bytes: a store keys histories by id, and the LMDB
 * store's keys hold at most 1,000 bytes of it (Temporal's default limit is the same).
 */
export const MAX_WORKFLOW_ID_BYTES = 1000;

const utf8 = new TextEncoder();
const utf8Bytes = (text: string): number => utf8.encode(text).length;

/** Whether `workflowId` satisfies the one id rule (see {@link checkWorkflowId}). */
export function isValidWorkflowId(workflowId: unknown): workflowId is WorkflowId {
  return (
    typeof workflowId === 'string' &&
    workflowId.length > 0 &&
    workflowId.length <= MAX_WORKFLOW_ID_LENGTH &&
    // A code unit takes at most 3 UTF-8 bytes: short ids need no count.
    (workflowId.length * 3 <= MAX_WORKFLOW_ID_BYTES || utf8Bytes(workflowId) <= MAX_WORKFLOW_ID_BYTES)
  );
}

/**
 * The one rule for a workflow id, shared by the engine (client starts, child ids) and the stores:
 * a string of 1 to 512 characters and at most 1,000 UTF-8 bytes. Anything else is refused with an
 * InvalidArgumentError naming the value, before anything is recorded.
 */
export function checkWorkflowId(workflowId: unknown, argument = 'workflowId'): WorkflowId {
  if (!isValidWorkflowId(workflowId)) {
    const shown = JSON.stringify(workflowId) ?? String(workflowId);
    throw new InvalidArgumentError(
      argument,
      `${shown.length > 100 ? `${shown.slice(0, 100)}…` : shown} must be a string of 1 to ${MAX_WORKFLOW_ID_LENGTH} characters and at most ${MAX_WORKFLOW_ID_BYTES} UTF-8 bytes`,
    );
  }
  return workflowId;
}

/**
 * The id a child started without an explicit one gets: `<parent id>.<run id>.<child id>`. The run
 * id already makes it unique, so when the parent's id would push it over the id rule, the parent
 * id is cut (whole code points) until it fits: a long parent id never yields a child id the store
 * refuses.
 */
export function defaultChildWorkflowId(parentId: string, runId: string, childId: string): WorkflowId {
  const suffix = `.${runId}.${childId}`;
  let parent = parentId;
  while (parent.length > 0 && !isValidWorkflowId(parent + suffix)) {
    const points = Array.from(parent);
    // Drop roughly what is over, at least one code point, then check again.
    const over = Math.max(1, Math.ceil((utf8Bytes(parent + suffix) - MAX_WORKFLOW_ID_BYTES) / 4));
    const overLength = Math.max(1, parent.length + suffix.length - MAX_WORKFLOW_ID_LENGTH);
    parent = points.slice(0, Math.max(0, points.length - Math.max(over, overLength))).join('');
  }
  return checkWorkflowId(parent + suffix);
}
