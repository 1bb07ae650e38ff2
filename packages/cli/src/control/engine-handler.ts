import { InvalidArgumentError, type JsonValue } from '@reprise/core';
import type { Engine } from '@reprise/engine';
import type { ControlHandler } from './control-server.js';
import type { ControlRequest } from './protocol.js';

/**
 * Serves control requests with an engine: what `reprise start/signal/cancel/describe` ask of
 * the worker (or app) holding the data directory.
 */
export function engineControlHandler(engine: Engine, log?: (line: string) => void): ControlHandler {
  return (request) => {
    if (request.op !== 'hello' && request.op !== 'describe' && request.op !== 'stalled')
      log?.(describeRequest(request));
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
      case 'describe':
        return engine
          .getHandle(request.workflowId)
          .describe()
          .then((description) => description as unknown as JsonValue);
      case 'stalled':
        return Promise.resolve(engine.stalledRuns() as unknown as JsonValue);
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
      return `cancel ${request.workflowId}`;
    default:
      return request.op;
  }
}
