// Event bodies the append tests write, and how they envelope them at a seq.
import { asRunId, type EventBody, envelopeEvents, type WorkflowId } from '@reprise/core';

export const started: EventBody = {
  type: 'WorkflowStarted',
  workflowType: 't',
  input: null,
  runId: asRunId('r'),
  parentRunId: null,
};

export const signal = (payload: string): EventBody => ({ type: 'SignalReceived', signalName: 's', payload });

/** `body` as the event after `seq` of workflow `id`. */
export const at = (id: WorkflowId, seq: number, body: EventBody) => envelopeEvents(id, seq, seq, [body]);
