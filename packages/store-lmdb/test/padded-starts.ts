import { asRunId, asWorkflowId, envelopeEvents, type WorkflowStore } from '@reprise/core';

/**
 * Appends the start of workflow `w<n>` with a 4 KB input: one append that grows the data file by
 * about a page (`file-headroom.test.ts` and its worker).
 */
export function appendPaddedStart(store: WorkflowStore, n: number): Promise<unknown> {
  const id = asWorkflowId(`w${n}`);
  return store.append(
    id,
    envelopeEvents(id, 0, 1_700_000_000_000 + n, [
      {
        type: 'WorkflowStarted',
        workflowType: 'pad',
        input: { n, pad: 'x'.repeat(4096) },
        runId: asRunId(`r${n}`),
        parentRunId: null,
      },
    ]),
    { expectedSeq: 0 },
  );
}
