import { asRunId, asWorkflowId, type EventBody, envelopeEvents, InMemoryStore } from '@reprise/core';
import { describeEventStoreConformance } from '@reprise/testkit';

describeEventStoreConformance('InMemoryStore', () => new InMemoryStore());

describe('InMemoryStore projects the caller’s events without keeping them', () => {
  it('keeps its row as appended when the caller then changes the events', async () => {
    const store = new InMemoryStore();
    const id = asWorkflowId('w');
    const parent = {
      workflowId: asWorkflowId('p'),
      runId: asRunId('pr'),
      childId: 'c',
      parentClosePolicy: 'abandon',
    };
    const events = envelopeEvents(id, 0, 1, [
      {
        type: 'WorkflowStarted',
        workflowType: 'order',
        input: null,
        runId: asRunId('r1'),
        parentRunId: null,
        parent,
        searchAttributes: { tags: ['vip'] },
      } as EventBody,
      { type: 'SearchAttributesUpdated', searchAttributes: { more: [1] } } as EventBody,
    ]);
    await store.append(id, events, { expectedSeq: 0 });
    const started = events[0] as unknown as {
      searchAttributes: { tags: string[] };
      parent: { childId: string };
    };
    const updated = events[1] as unknown as { searchAttributes: { more: number[] } };
    started.searchAttributes.tags.push('forged');
    started.parent.childId = 'forged';
    updated.searchAttributes.more.push(2);
    expect(await store.getSummary(id)).toMatchObject({
      searchAttributes: { tags: ['vip'], more: [1] },
      parent: { childId: 'c' },
    });
  });
});
