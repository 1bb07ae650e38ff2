// What a fragment of the documentation imports from './my-app.js': the reader's own
// application, declared here so that fragments type-check. Nothing here runs.
import type { ActivityDefinition, EventStore, VisibilityStore, WorkflowDefinition } from '@reprise/core';
import type { Engine, WorkflowHandle } from '@reprise/engine';

/** The reader's own store, for the conformance suite. */
export declare function openMyStore(): EventStore & VisibilityStore;
/** A payment provider the reader's activities call. */
export declare const payments: { charge(amount: number): Promise<{ receipt: string }> };
/** A mailer the reader's activities call. */
export declare const mailer: { sendPromo(orderId: string): Promise<string> };
/** The reader's checkout workflow, as in the testkit README. */
export declare const checkout: WorkflowDefinition<{ id: string; amount: number }, { receipt: string }>;
/** Its payment activity. */
export declare const charge: ActivityDefinition<number, { receipt: string }>;
/** Its promotion activity. */
export declare const promo: ActivityDefinition<string, string>;
/** The activities of docs/versioning.md's worked example. */
export declare const reserve: ActivityDefinition<string, string>;
/** The fraud check the example's v2 adds behind a patch. */
export declare const checkFraud: ActivityDefinition<string, string>;
/** The example's shipping activity. */
export declare const ship: ActivityDefinition<string, string>;
/** The example's workflow. */
export declare const order: WorkflowDefinition<string, string>;
/** The reader's engine, made with Engine.create. */
export declare const engine: Engine;
/** A handle on one of the reader's workflows. */
export declare const handle: WorkflowHandle;
/** Copies one row of an import file (the heartbeat example). */
export declare function copyRow(file: string, row: number, options: { signal: AbortSignal }): Promise<void>;
