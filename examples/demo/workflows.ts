/**
 * The demo's workflows as a module for the CLI: `npm run reprise -- replay --all --module
 * examples/demo/workflows.ts` replays the demo's histories with this code. Replay runs no
 * activity, so the payment gateway here is a stand-in that is never reached.
 */
import { makePipeline } from './pipeline.js';

const pipeline = makePipeline({ authorize: () => false });

export const workflows = pipeline.workflows;
export const activities = pipeline.activities;
export const searchAttributes = { batch: 'int', customer: 'keyword' } as const;
