import { InvalidArgumentError, type JsonValue, type VisibilityFilter } from '@reprise/core';
import type { Engine } from '@reprise/engine';
import { pruneAll } from '../prune.js';
import type { ControlHandler } from './control-server.js';
import type { ControlRequest } from './protocol.js';

/** The requests that only read, which the worker does not log. */
const READS = new Set(['hello', 'describe', 'query', 'list', 'stalled']);

/**
 * Serves control requests with an engine: what `reprise start/signal/cancel/terminate/pause/
 * resume/update/describe` ask of the worker (or app) holding the data directory.
 */
export function engineControlHandler(engine: Engine, log?: (line: string) => void): ControlHandler {
  return (request) => {
    if (!READS.has(request.op) && !(request.op === 'schedule' && isScheduleRead(request.action)))
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
      case 'stalled':
        return Promise.resolve(engine.stalledRuns() as unknown as JsonValue);
      case 'query':
        return engine.getHandle(request.workflowId).query(request.name, request.args);
      case 'list':
        return engine
          .list(request.filter as unknown as VisibilityFilter)
          .then((page) => page as unknown as JsonValue);
      case 'schedule':
        return scheduleRequest(engine, request);
      case 'prune':
        return pruneAll(engine.store, {
          closedBefore: request.closedBefore,
          ...(request.workflowType === undefined ? {} : { workflowType: request.workflowType }),
        }).then((deleted) => ({ deleted }));
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

const isScheduleRead = (action: string) => action === 'list' || action === 'describe';

function scheduleRequest(
  engine: Engine,
  request: Extract<ControlRequest, { op: 'schedule' }>,
): Promise<JsonValue> {
  const { schedules } = engine;
  if (request.action === 'list') return schedules.list().then((list) => list as unknown as JsonValue);
  const id = request.scheduleId;
  if (id === undefined) {
    return Promise.reject(
      new InvalidArgumentError('request.scheduleId', `${request.action} needs a schedule id`),
    );
  }
  switch (request.action) {
    case 'describe':
      return schedules.describe(id).then((description) => description as unknown as JsonValue);
    case 'pause':
      return schedules.pause(id, request.note).then(() => null);
    case 'resume':
      return schedules.resume(id, request.note).then(() => null);
    case 'trigger':
      return schedules.trigger(id).then((result) => result as unknown as JsonValue);
    case 'delete':
      return schedules.delete(id).then(() => null);
  }
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
    case 'reset':
    case 'fork':
      return `${request.op} ${request.workflowId}`;
    case 'update':
      return `update ${request.name} of ${request.workflowId}`;
    case 'schedule':
      return `schedule ${request.action} ${request.scheduleId ?? ''}`.trimEnd();
    case 'prune':
      return `prune closed before ${new Date(request.closedBefore).toISOString()}`;
    default:
      return request.op;
  }
}
