import { InvalidArgumentError, type JsonValue } from '@reprise/core';
import type { Engine } from '@reprise/engine';
import type { ControlHandler } from './control-server.js';
import type { ControlRequest } from './protocol.js';

/**
 * Serves control requests with an engine: what `reprise start/signal/cancel/terminate/pause/
 * resume/update/describe` ask of the worker (or app) holding the data directory.
 */
export function engineControlHandler(engine: Engine, log?: (line: string) => void): ControlHandler {
  return (request) => {
    if (request.op !== 'hello' && request.op !== 'describe') log?.(describeRequest(request));
    switch (request.op) {
      case 'start':
        return (async () => {
          const handle = await engine.start(request.workflowType, request.input, {
            ...(request.workflowId === undefined ? {} : { workflowId: request.workflowId }),
            ...(request.searchAttributes ? { searchAttributes: request.searchAttributes } : {}),
          });
          const { runId } = await handle.describe();
          return { workflowId: handle.workflowId, runId };
        })();
      case 'signal':
        return engine
          .getHandle(request.workflowId)
          .signal(request.name, request.payload)
          .then(() => null);
      case 'cancel':
        return engine
          .getHandle(request.workflowId)
          .cancel(request.reason)
          .then((result) => ({ status: result.status }));
      case 'terminate':
        return engine
          .getHandle(request.workflowId)
          .terminate(request.reason)
          .then(() => null);
      case 'pause':
        return engine
          .getHandle(request.workflowId)
          .pause(request.reason)
          .then(() => null);
      case 'resume':
        return engine
          .getHandle(request.workflowId)
          .resume(request.reason)
          .then(() => null);
      case 'update':
        return engine
          .getHandle(request.workflowId)
          .executeUpdate(
            request.name,
            request.args ?? null,
            request.updateId === undefined ? {} : { updateId: request.updateId },
          );
      case 'reset':
        return engine
          .getHandle(request.workflowId)
          .reset({
            ...(request.toLastActivity
              ? { toLastActivity: true as const }
              : { toEventSeq: request.toEventSeq as number }),
            ...(request.reason === undefined ? {} : { reason: request.reason }),
          })
          .then(async (handle) => ({
            workflowId: handle.workflowId,
            runId: (await handle.describe()).runId,
          }));
      case 'fork':
        return engine
          .fork(request.workflowId, {
            fromEventSeq: request.fromEventSeq,
            ...(request.newWorkflowId === undefined ? {} : { workflowId: request.newWorkflowId }),
          })
          .then(async (handle) => ({
            workflowId: handle.workflowId,
            runId: (await handle.describe()).runId,
          }));
      case 'describe':
        return engine
          .getHandle(request.workflowId)
          .describe()
          .then((description) => description as unknown as JsonValue);
      default:
        return Promise.reject(
          new InvalidArgumentError(
            'request.op',
            `unknown operation ${JSON.stringify((request as { op?: unknown }).op)}`,
          ),
        );
    }
  };
}

function describeRequest(request: ControlRequest): string {
  switch (request.op) {
    case 'start':
      return `start ${request.workflowType}${request.workflowId === undefined ? '' : ` as ${request.workflowId}`}`;
    case 'signal':
      return `signal ${request.name} to ${request.workflowId}`;
    case 'cancel':
    case 'terminate':
    case 'pause':
    case 'resume':
      return `${request.op} ${request.workflowId}`;
    case 'update':
      return `update ${request.name} of ${request.workflowId}`;
    case 'reset':
    case 'fork':
      return `${request.op} ${request.workflowId}`;
    default:
      return request.op;
  }
}
