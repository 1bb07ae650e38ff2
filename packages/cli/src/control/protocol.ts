import type { JsonValue } from '@reprise/core';

/** What holds a data directory: a worker (an engine that executes) or a short-lived command. */
export type HolderRole = 'worker' | 'command';

/** A request over the control socket: one JSON line per connection. */
export type ControlRequest =
  | { readonly op: 'hello' }
  | {
      readonly op: 'start';
      readonly workflowType: string;
      readonly input: JsonValue;
      readonly workflowId?: string;
      readonly searchAttributes?: Record<string, JsonValue>;
    }
  | { readonly op: 'signal'; readonly workflowId: string; readonly name: string; readonly payload: JsonValue }
  | { readonly op: 'cancel'; readonly workflowId: string; readonly reason?: string }
  | { readonly op: 'describe'; readonly workflowId: string };

/** An error as it crosses the socket. */
export interface ControlErrorData {
  readonly name: string;
  readonly code?: string;
  readonly message: string;
  readonly fields?: Record<string, JsonValue>;
}

/** The holder's answer, one JSON line. `busy`: not ready for requests yet, ask again shortly. */
export type ControlReply = {
  readonly role: HolderRole;
  readonly pid: number;
  readonly name: string;
} & (
  | { readonly ok: true; readonly value: JsonValue }
  | { readonly ok: false; readonly busy: true }
  | { readonly ok: false; readonly busy?: false; readonly error: ControlErrorData }
);
