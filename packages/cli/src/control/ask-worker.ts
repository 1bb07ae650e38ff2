import type { JsonValue } from '@reprise/core';
import { RemoteError } from '../errors.js';
import { sendControlRequest } from './control-client.js';
import { findWorker } from './find-worker.js';
import type { ControlRequest } from './protocol.js';
import { controlSocketPath } from './socket-path.js';

/**
 * Asks the worker holding `dataPath` a question, for a command that can also answer from the
 * store: `undefined` when no worker runs there or it is not ready yet (the caller reads the
 * store instead). An error the worker answers with is thrown as a RemoteError.
 */
export async function askWorkerIfRunning(
  dataPath: string,
  request: ControlRequest,
): Promise<{ readonly value: JsonValue; readonly name: string } | undefined> {
  if (!(await findWorker(dataPath))) return undefined;
  const reply = await sendControlRequest(controlSocketPath(dataPath), request);
  if (reply.ok) return { value: reply.value, name: reply.name };
  if (reply.busy) return undefined;
  throw new RemoteError(reply.error.code, reply.error.name, reply.error.message, reply.error.fields ?? {});
}
