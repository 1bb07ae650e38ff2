import type { Engine } from '@reprise/engine';
import type { UiSource } from './source.js';

/** Everything the UI shows, live from an engine in this process; its actions go to that engine. */
export function engineSource(engine: Engine, label = 'engine in this process'): UiSource {
  return {
    label,
    list: (filter) => engine.list(filter),
    count: (filter) => engine.store.count(filter),
    describe: (workflowId) => engine.getHandle(workflowId).describe(),
    history: (workflowId) => engine.getHandle(workflowId).history(),
    supervisionTree: () => engine.supervisionTree(),
    schedules: {
      list: () => engine.schedules.list(),
      describe: (scheduleId) => engine.schedules.describe(scheduleId),
      pause: (scheduleId) => engine.schedules.pause(scheduleId, 'paused from the web UI'),
      resume: (scheduleId) => engine.schedules.resume(scheduleId, 'resumed from the web UI'),
    },
    signal: (workflowId, name, payload) => engine.getHandle(workflowId).signal(name, payload),
    cancel: async (workflowId, reason) => {
      await engine.getHandle(workflowId).cancel(reason);
    },
    terminate: (workflowId, reason) => engine.getHandle(workflowId).terminate(reason),
    pause: (workflowId, reason) => engine.getHandle(workflowId).pause(reason),
    resume: (workflowId, reason) => engine.getHandle(workflowId).resume(reason),
    update: (workflowId, name, args) => engine.getHandle(workflowId).executeUpdate(name, args),
    reset: async (workflowId, { toEventSeq, reason }) => {
      const handle = await engine.getHandle(workflowId).reset({ toEventSeq, reason });
      return { workflowId: handle.workflowId, runId: (await handle.describe()).runId };
    },
  };
}
