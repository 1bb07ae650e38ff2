/**
 * The UI's HTTP routes on Hono: the page and its files, a JSON API over a `UiSource`, and the
 * guards of `security.ts` in front of them. Every answer of the API is JSON; every error one is
 * `{ error: { name, code, message } }` with a status that says whose fault it was.
 */
import {
  InvalidArgumentError,
  type JsonValue,
  RepriseError,
  terminalOutcomeFromHistory,
  type VisibilityFilter,
  WORKFLOW_STATUSES,
  type WorkflowStatus,
} from '@reprise/core';
import { describeEvent, latestStart, timelineLines, timelineRuns } from '@reprise/core/internal';
import { type Context, Hono } from 'hono';
import type { Assets } from './assets.js';
import { childTree } from './child-tree.js';
import { countPaused, listRuns, PAUSED, type StatusChoice } from './paused-filter.js';
import { hostAllowed, originAllowed, TOKEN_HEADER, tokenMatches } from './security.js';
import type { UiSource } from './source.js';

/** What the routes need besides the source. */
export interface AppOptions {
  readonly source: UiSource;
  readonly assets: Assets;
  readonly token: string;
  /** The Host header values accepted (this server's own address), as of now. */
  readonly hosts: () => ReadonlySet<string>;
}

/** Largest page of the runs table. */
const MAX_PAGE = 500;

/** Builds the routes. */
export function createApp({ source, assets, token, hosts }: AppOptions): Hono {
  const app = new Hono();

  app.use('*', async (c, next) => {
    if (!hostAllowed(c.req.header('host'), hosts()))
      return c.json(
        errorBody('host_refused', 'HostRefused', 'this server answers only to its own address'),
        403,
      );
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      if (!originAllowed(c.req.header('origin'), hosts()))
        return c.json(
          errorBody('origin_refused', 'OriginRefused', 'a change must come from the UI page itself'),
          403,
        );
      if (!tokenMatches(c.req.header(TOKEN_HEADER), token))
        return c.json(
          errorBody('token_refused', 'TokenRefused', 'a change needs the token printed at start'),
          403,
        );
    }
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', 'no-store');
  });

  for (const [path, asset] of assets.files) {
    app.get(path, (c) => {
      if (path === '/') {
        c.header('Content-Security-Policy', assets.contentSecurityPolicy);
        c.header('X-Frame-Options', 'DENY');
      }
      return c.body(asset.body, 200, { 'Content-Type': asset.type });
    });
  }

  app.get('/api/info', (c) =>
    c.json({
      label: source.label,
      // `paused` filters running runs that are paused (the summary's `paused: true`).
      statuses: [...WORKFLOW_STATUSES, PAUSED],
      can: {
        signal: source.signal !== undefined,
        cancel: source.cancel !== undefined,
        terminate: source.terminate !== undefined,
        update: source.update !== undefined,
        reset: source.reset !== undefined,
        pause: source.pause !== undefined,
        resume: source.resume !== undefined,
        supervision: source.supervisionTree !== undefined,
        schedules: source.schedules !== undefined,
      },
    }),
  );

  app.get('/api/runs', async (c) => {
    const { filter, choice } = listFilter(c);
    const limit = pageSize(c.req.query('limit'));
    const page = await listRuns(source, filter, choice, limit, c.req.query('cursor') || undefined);
    const [counts, paused] = await Promise.all([
      Promise.all(
        WORKFLOW_STATUSES.map(async (status) => [status, await source.count({ ...filter, status })] as const),
      ),
      countPaused(source, filter),
    ]);
    return c.json({
      items: page.items,
      ...(page.cursor ? { cursor: page.cursor } : {}),
      counts: { ...Object.fromEntries(counts), [PAUSED]: paused.count },
      ...(paused.atLeast ? { countsAtLeast: [PAUSED] } : {}),
    });
  });

  app.get('/api/runs/:id', async (c) => {
    const workflowId = c.req.param('id');
    const [description, history] = await Promise.all([
      source.describe(workflowId),
      source.history(workflowId),
    ]);
    const start = latestStart(history);
    const origin = history[0]?.recordedAt ?? 0;
    const children = history.flatMap((event) =>
      event.type === 'ChildWorkflowStarted'
        ? [{ workflowId: event.childWorkflowId, workflowType: event.workflowType, seq: event.seq }]
        : [],
    );
    const [tree, unavailable] = await Promise.all([
      childTree(source, history),
      source.actionsUnavailable?.(),
    ]);
    return c.json({
      description,
      actions: unavailable === undefined ? { available: true } : { available: false, reason: unavailable },
      childTree: tree,
      input: start?.input ?? null,
      outcome: start ? (terminalOutcomeFromHistory(history, start.runId) ?? null) : null,
      parent: start?.parent ?? null,
      children,
      timeline: {
        // Core's one reading of events: the same lines `reprise show` prints, and per event its text.
        lines: timelineLines(history, { byRun: true, durations: true }),
        // Core's one reading of what began and ended when: the bars of the timeline.
        runs: timelineRuns(history),
        items: history.map((event) => ({
          seq: event.seq,
          type: event.type,
          recordedAt: event.recordedAt,
          offset: event.recordedAt - origin,
          text: describeEvent(event),
        })),
      },
    });
  });

  app.get('/api/runs/:id/events', async (c) => c.json(await source.history(c.req.param('id'))));

  app.post('/api/runs/:id/signal', async (c) => {
    if (!source.signal) return notAvailable(c, 'signal');
    const body = await jsonBody(c);
    const name = body.name;
    if (typeof name !== 'string' || name.length === 0)
      throw new InvalidArgumentError('name', `${shown(name)} is not a signal name`);
    await source.signal(c.req.param('id'), name, (body.payload ?? null) as JsonValue);
    return c.json({ ok: true });
  });

  app.post('/api/runs/:id/cancel', async (c) => {
    if (!source.cancel) return notAvailable(c, 'cancel');
    const body = await jsonBody(c);
    await source.cancel(c.req.param('id'), reasonOf(body, 'cancelled from the web UI'));
    return c.json({ ok: true });
  });

  app.post('/api/runs/:id/terminate', async (c) => {
    if (!source.terminate) return notAvailable(c, 'terminate');
    await source.terminate(c.req.param('id'), reasonOf(await jsonBody(c), 'terminated from the web UI'));
    return c.json({ ok: true });
  });

  app.post('/api/runs/:id/:action{pause|resume}', async (c) => {
    const action = c.req.param('action') as 'pause' | 'resume';
    const act = source[action];
    if (!act) return notAvailable(c, action);
    await act.call(source, c.req.param('id'), reasonOf(await jsonBody(c), `${action}d from the web UI`));
    return c.json({ ok: true });
  });

  app.post('/api/runs/:id/update', async (c) => {
    if (!source.update) return notAvailable(c, 'update');
    const body = await jsonBody(c);
    const name = body.name;
    if (typeof name !== 'string' || name.length === 0)
      throw new InvalidArgumentError('name', `${shown(name)} is not an update name`);
    const result = await source.update(c.req.param('id'), name, (body.args ?? null) as JsonValue);
    return c.json({ ok: true, result });
  });

  app.post('/api/runs/:id/reset', async (c) => {
    if (!source.reset) return notAvailable(c, 'reset');
    const body = await jsonBody(c);
    const toEventSeq = body.toEventSeq;
    if (typeof toEventSeq !== 'number' || !Number.isInteger(toEventSeq) || toEventSeq < 1)
      throw new InvalidArgumentError(
        'toEventSeq',
        `${shown(toEventSeq)} is not an event seq (a whole number from 1)`,
      );
    const run = await source.reset(c.req.param('id'), {
      toEventSeq,
      reason: reasonOf(body, 'reset from the web UI'),
    });
    return c.json({ ok: true, ...run });
  });

  app.get('/api/supervision', (c) => {
    if (!source.supervisionTree) return notAvailable(c, 'supervision');
    return c.json(source.supervisionTree());
  });

  app.get('/api/schedules', async (c) => {
    const schedules = source.schedules;
    if (!schedules) return notAvailable(c, 'schedules');
    const list = await schedules.list();
    return c.json(await Promise.all(list.map((schedule) => schedules.describe(schedule.scheduleId))));
  });

  app.post('/api/schedules/:id/:action{pause|resume}', async (c) => {
    const schedules = source.schedules;
    if (!schedules) return notAvailable(c, 'schedules');
    const scheduleId = c.req.param('id');
    if (c.req.param('action') === 'pause') await schedules.pause(scheduleId);
    else await schedules.resume(scheduleId);
    return c.json({ ok: true });
  });

  app.notFound((c) => c.json(errorBody('not_found', 'NotFound', `no such page: ${c.req.path}`), 404));

  app.onError((error, c) => {
    if (error instanceof RepriseError) {
      const status = error.code.endsWith('not_found') ? 404 : error.code === 'workflow_closed' ? 409 : 400;
      return c.json(errorBody(error.code, error.name, error.message), status);
    }
    return c.json(
      errorBody('internal', 'Error', error instanceof Error ? error.message : String(error)),
      500,
    );
  });

  return app;
}

function errorBody(code: string, name: string, message: string) {
  return { error: { code, name, message } };
}

function notAvailable(c: Context, what: string) {
  return c.json(
    errorBody('not_available', 'NotAvailable', `${what} needs a running engine, and this UI has none to ask`),
    501,
  );
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  if (!(c.req.header('content-type') ?? '').startsWith('application/json'))
    throw new InvalidArgumentError(
      'content-type',
      `${shown(c.req.header('content-type'))} is not application/json`,
    );
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new InvalidArgumentError('body', 'is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new InvalidArgumentError('body', `${shown(body)} is not a JSON object`);
  return body as Record<string, unknown>;
}

/** The body's `reason`: a string, or `fallback` when absent or empty. */
function reasonOf(body: Record<string, unknown>, fallback: string): string {
  const reason = body.reason ?? '';
  if (typeof reason !== 'string')
    throw new InvalidArgumentError('reason', `${shown(reason)} is not a string`);
  return reason === '' ? fallback : reason;
}

function pageSize(text: string | undefined): number {
  if (text === undefined) return 50;
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE)
    throw new InvalidArgumentError('limit', `${shown(text)} is not a whole number from 1 to ${MAX_PAGE}`);
  return limit;
}

/** A time as given in a query: epoch ms or an ISO date. */
function time(name: string, text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const value = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(value))
    throw new InvalidArgumentError(name, `${shown(text)} is not a time (epoch ms or ISO date)`);
  return value;
}

/**
 * The runs filter of a query string: status (comma-separated; `paused` among them), type,
 * startedAfter/Before, attr=name=value.
 */
function listFilter(c: Context): {
  filter: Omit<VisibilityFilter, 'status' | 'limit' | 'cursor'>;
  choice: StatusChoice;
} {
  const status = c.req.query('status');
  const names = status ? status.split(',').filter((s) => s !== '') : [];
  const statuses: WorkflowStatus[] = [];
  let paused = false;
  for (const s of names) {
    if (s === PAUSED) paused = true;
    else if (WORKFLOW_STATUSES.includes(s as WorkflowStatus)) statuses.push(s as WorkflowStatus);
    else
      throw new InvalidArgumentError(
        'status',
        `${shown(s)} is not one of ${[...WORKFLOW_STATUSES, PAUSED].join(', ')}`,
      );
  }
  const type = c.req.query('type');
  const after = time('startedAfter', c.req.query('startedAfter'));
  const before = time('startedBefore', c.req.query('startedBefore'));
  const attributes: Record<string, JsonValue> = {};
  for (const pair of c.req.queries('attr') ?? []) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    if (at <= 0) throw new InvalidArgumentError('attr', `${shown(pair)} is not name=value`);
    attributes[pair.slice(0, at)] = attributeValue(pair.slice(at + 1));
  }
  return {
    filter: {
      ...(type ? { workflowType: type } : {}),
      ...(after === undefined ? {} : { startedAfter: after }),
      ...(before === undefined ? {} : { startedBefore: before }),
      ...(Object.keys(attributes).length > 0 ? { searchAttributes: attributes } : {}),
    },
    choice: { statuses, paused },
  };
}

/** An attribute value as typed: JSON where it parses (`42`, `true`, `"x"`), the text otherwise. */
function attributeValue(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}
