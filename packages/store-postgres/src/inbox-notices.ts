/**
 * Inbox notices (`OwnershipStore.watchInbox`): a hint that an inbox changed. Changes this store
 * makes are told to its listeners at once; changes of other processes arrive by PostgreSQL's
 * `LISTEN/NOTIFY` on one connection of its own, opened while someone listens and reopened with
 * backoff when the server cuts it. A notice may be lost (a cut connection, notifications turned
 * off): whoever waits on the inbox also polls it.
 */
import type { InboxNotice, WorkflowId } from '@reprise/core';
import pg from 'pg';

/** The channel every store notifies on; a notice names its schema. */
export const INBOX_CHANNEL = 'reprise_inbox';

/**
 * A notice as sent through NOTIFY: schema, the store instance that sent it, and the notice (the
 * `id` of a `closed` notice is the workflow id).
 */
interface Wire {
  readonly schema: string;
  readonly origin: string;
  readonly kind: InboxNotice['kind'];
  readonly id: string;
  readonly shard: number;
}

/** Sends NOTIFY payloads on the channel, in one statement. */
export type SendNotices = (channel: string, payloads: readonly string[]) => Promise<unknown>;

/** SQL that sends the notice of each row of `rows` (columns `id`, `shard`), to put in a statement. */
export const notifySql = (
  rows: string,
  kind: InboxNotice['kind'],
  schemaParam: string,
  originParam: string,
): string =>
  `(SELECT count(pg_notify('${INBOX_CHANNEL}', json_build_object('schema', ${schemaParam}::text, 'origin', ${originParam}::text, ` +
  `'kind', '${kind}', 'id', r.id::text, 'shard', r.shard)::text)) FROM ${rows} r)`;

const MAX_BACKOFF_MS = 2_000;

export class InboxNotices {
  readonly #listeners = new Set<(notice: InboxNotice) => void>();
  #client: pg.Client | undefined;
  #closed = false;
  #backoff = 50;
  #retry: NodeJS.Timeout | undefined;
  /** `closed` notices of this turn not sent yet (see {@link InboxNotices.runClosed}). */
  #closedToSend: string[] = [];

  constructor(
    private readonly schema: string,
    /** This store instance's id: its own notices come back through NOTIFY, and are skipped. */
    readonly origin: string,
    /** The listening connection's settings, or `undefined` when notifications are off. */
    private readonly connection: pg.ClientConfig | undefined,
    private readonly send: SendNotices,
  ) {}

  /**
   * A run this store recorded closed: its listeners hear it at once, other processes through
   * NOTIFY. The closes of one turn go in one statement, after their appends committed (a waiter
   * woken reads the terminal event); a lost one costs a waiter its poll.
   */
  runClosed(workflowId: WorkflowId, shard: number): void {
    this.emit({ kind: 'closed', workflowId, shard });
    if (this.#closed) return;
    const wire: Wire = { schema: this.schema, origin: this.origin, kind: 'closed', id: workflowId, shard };
    if (this.#closedToSend.push(JSON.stringify(wire)) > 1) return;
    setImmediate(() => {
      const payloads = this.#closedToSend;
      this.#closedToSend = [];
      if (this.#closed) return;
      this.send(INBOX_CHANNEL, payloads).catch(() => {});
    });
  }

  /** Adds a listener; returns the unsubscribe. */
  watch(listener: (notice: InboxNotice) => void): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) this.#listen();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#stop();
    };
  }

  /** Tells this store's listeners of a change it made. */
  emit(notice: InboxNotice): void {
    for (const listener of this.#listeners) {
      try {
        listener(notice);
      } catch {
        // A hint: a failing listener costs its owner a poll, never the store.
      }
    }
  }

  close(): void {
    this.#closed = true;
    this.#listeners.clear();
    this.#stop();
  }

  #listen(): void {
    if (this.connection === undefined || this.#closed || this.#client || this.#listeners.size === 0) return;
    const client = new pg.Client(this.connection);
    this.#client = client;
    const lost = () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      client.end().catch(() => {});
      if (this.#closed || this.#listeners.size === 0) return;
      this.#retry = setTimeout(() => {
        this.#retry = undefined;
        this.#listen();
      }, this.#backoff);
      this.#retry.unref();
      this.#backoff = Math.min(this.#backoff * 2, MAX_BACKOFF_MS);
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.channel !== INBOX_CHANNEL || message.payload === undefined) return;
      let wire: Wire;
      try {
        wire = JSON.parse(message.payload) as Wire;
      } catch {
        return;
      }
      if (wire.schema !== this.schema || wire.origin === this.origin) return;
      this.emit(
        wire.kind === 'closed'
          ? { kind: 'closed', workflowId: wire.id as WorkflowId, shard: wire.shard }
          : { kind: wire.kind, id: wire.id, shard: wire.shard },
      );
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${INBOX_CHANNEL}`))
      .then(() => {
        this.#backoff = 50;
      })
      .catch(lost);
  }

  #stop(): void {
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = undefined;
    const client = this.#client;
    this.#client = undefined;
    client?.end().catch(() => {});
  }
}
