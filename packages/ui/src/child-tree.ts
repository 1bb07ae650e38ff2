/**
 * A run's children as a tree: each child workflow it started (every run of the workflow id),
 * with its status, its input and outcome in core's words, and its own children, read from the
 * source. Bounded in depth and size so that a page never reads a whole store.
 */
import {
  type JsonValue,
  statusFromEvents,
  terminalOutcomeFromHistory,
  type WorkflowEvent,
} from '@reprise/core';
import { briefJson, describeOutcome, latestStart } from '@reprise/core/internal';
import type { UiSource } from './source.js';

/** One child in the tree. */
export interface UiChildNode {
  readonly workflowId: string;
  readonly workflowType: string;
  /** The child's status; absent when its history cannot be read (not started yet, or deleted). */
  readonly status?: string;
  /** Its input, shortened, as the timeline shows payloads. */
  readonly input: string;
  /** How it ended, in core's words; absent while open. */
  readonly outcome?: string;
  readonly children: readonly UiChildNode[];
  /** Set when the tree stops here (too deep, or too many nodes): it has children not shown. */
  readonly cut?: true;
}

const MAX_DEPTH = 6;
const MAX_NODES = 200;

/** The children of the workflow whose history is `history`, as a tree. */
export async function childTree(source: UiSource, history: readonly WorkflowEvent[]): Promise<UiChildNode[]> {
  const budget = { nodes: MAX_NODES };
  return childrenOf(source, history, 1, budget, new Set([history[0]?.workflowId ?? '']));
}

async function childrenOf(
  source: UiSource,
  history: readonly WorkflowEvent[],
  depth: number,
  budget: { nodes: number },
  seen: Set<string>,
): Promise<UiChildNode[]> {
  const nodes: UiChildNode[] = [];
  for (const event of history) {
    if (event.type !== 'ChildWorkflowStarted' || seen.has(event.childWorkflowId)) continue;
    if (budget.nodes <= 0) break;
    budget.nodes--;
    seen.add(event.childWorkflowId);
    const childHistory = await source.history(event.childWorkflowId).catch(() => undefined);
    const base = {
      workflowId: event.childWorkflowId,
      workflowType: event.workflowType,
      input: briefJson(event.input as JsonValue),
    };
    if (!childHistory || childHistory.length === 0) {
      nodes.push({ ...base, children: [] });
      continue;
    }
    const start = latestStart(childHistory);
    const outcome = start ? terminalOutcomeFromHistory(childHistory, start.runId) : undefined;
    const hasChildren = childHistory.some((e) => e.type === 'ChildWorkflowStarted');
    const deeper = depth < MAX_DEPTH;
    nodes.push({
      ...base,
      status: statusFromEvents(childHistory) ?? 'Running',
      ...(outcome ? { outcome: describeOutcome(outcome) } : {}),
      children: deeper ? await childrenOf(source, childHistory, depth + 1, budget, seen) : [],
      ...(hasChildren && !deeper ? { cut: true as const } : {}),
    });
  }
  return nodes;
}
