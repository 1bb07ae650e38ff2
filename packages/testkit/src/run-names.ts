import { asWorkflowId, type EventOf, type WorkflowEvent, type WorkflowId } from '@reprise/core';

/** Reads one workflow's history. */
export type HistoryReader = (workflowId: WorkflowId) => Promise<readonly WorkflowEvent[]>;

/**
 * Names runs by their place rather than their id: run ids are random, and a run started after a
 * crash (a child, a continue-as-new successor) gets another one than it had before. A workflow's
 * first run is named by its id (`checked`), later runs by their number (`checked run 2`), and a
 * child by its parent run's name and child id (`checked/c1`). Names are cached per run id in
 * `cache`.
 */
export function stableRunName(
  read: HistoryReader,
  workflowId: string,
  runId: string,
  cache: Map<string, Promise<string>>,
): Promise<string> {
  let name = cache.get(runId);
  if (!name) {
    name = nameRun(read, workflowId, runId, cache);
    cache.set(runId, name);
  }
  return name;
}

async function nameRun(
  read: HistoryReader,
  workflowId: string,
  runId: string,
  cache: Map<string, Promise<string>>,
): Promise<string> {
  const starts = (await read(asWorkflowId(workflowId))).filter(
    (event): event is EventOf<'WorkflowStarted'> => event.type === 'WorkflowStarted',
  );
  const index = starts.findIndex((start) => start.runId === runId);
  const parent = starts[0]?.parent;
  const name = parent
    ? `${await stableRunName(read, parent.workflowId, parent.runId, cache)}/${parent.childId}`
    : workflowId;
  if (index < 0) return `${name} run ${runId}`;
  return index === 0 ? name : `${name} run ${index + 1}`;
}

/** Every run of the given histories by its stable name. */
export async function stableRunNames(
  histories: ReadonlyMap<string, readonly WorkflowEvent[]>,
): Promise<Map<string, string>> {
  const cache = new Map<string, Promise<string>>();
  const read: HistoryReader = async (workflowId) => histories.get(workflowId) ?? [];
  const names = new Map<string, string>();
  for (const [workflowId, history] of histories) {
    for (const event of history) {
      if (event.type === 'WorkflowStarted') {
        names.set(event.runId, await stableRunName(read, workflowId, event.runId, cache));
      }
    }
  }
  return names;
}

/** `text` with every run id replaced by its name. */
export function withRunNames(text: string, names: ReadonlyMap<string, string>): string {
  let renamed = text;
  for (const [runId, name] of names) renamed = renamed.split(runId).join(`<${name}>`);
  return renamed;
}
