// The guards of the UI's server: another Host header is refused (DNS rebinding), and a change
// without the token printed at start, with a wrong one, or from another origin is refused and
// changes nothing. Bad input to the API gets a typed error naming it.
import { request } from 'node:http';
import { defineWorkflow } from '@reprise/core';
import { createTestEngine, type TestEngine } from '@reprise/testkit';
import { serveUi, type UiServer } from '@reprise/ui';

const inbox = defineWorkflow('inbox', async (ctx) => ctx.waitForSignal<string>('message'));

let env: TestEngine;
let ui: UiServer;

beforeAll(async () => {
  env = await createTestEngine({ workflows: [inbox] });
  await env.engine.start(inbox, null, { workflowId: 'w' });
  await env.engine.start(inbox, null, { workflowId: 'still' });
  ui = await serveUi(env.engine, { port: 0 });
});

afterAll(async () => {
  await ui?.close();
  await env?.close();
});

/** A raw HTTP request (fetch may not set Host). */
function send(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  const url = new URL(path, ui.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: options.method ?? 'GET',
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const host = () => new URL(ui.url).host;
const signalBody = JSON.stringify({ name: 'message', payload: 'hi' });
const goodHeaders = () => ({
  host: host(),
  origin: `http://${host()}`,
  'content-type': 'application/json',
  'x-reprise-token': ui.token,
});
const signalsRecorded = async () =>
  (await env.engine.getHandle('w').history()).filter((event) => event.type === 'SignalReceived').length;

describe('requests the UI refuses', () => {
  it('binds 127.0.0.1 and answers its own Host, under its address and as localhost', async () => {
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await send('/api/info', { headers: { host: host() } })).status).toBe(200);
    const port = new URL(ui.url).port;
    expect((await send('/api/info', { headers: { host: `localhost:${port}` } })).status).toBe(200);
  });

  it('refuses another Host header, for the page and the API alike', async () => {
    const port = new URL(ui.url).port;
    for (const other of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${Number(port) + 1}`]) {
      for (const path of ['/', '/api/runs']) {
        const answer = await send(path, { headers: { host: other } });
        expect(answer.status).toBe(403);
        expect(JSON.parse(answer.body).error.code).toBe('host_refused');
      }
    }
  });

  it('refuses a change without the token, with a wrong one, or from another origin; records nothing', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ ...goodHeaders(), 'x-reprise-token': '' }, 'token_refused'],
      [{ ...goodHeaders(), 'x-reprise-token': `${ui.token.slice(0, -1)}x` }, 'token_refused'],
      [
        Object.fromEntries(Object.entries(goodHeaders()).filter(([name]) => name !== 'x-reprise-token')),
        'token_refused',
      ],
      [{ ...goodHeaders(), origin: 'http://evil.example' }, 'origin_refused'],
      [{ ...goodHeaders(), origin: `https://${host()}` }, 'origin_refused'],
      [
        Object.fromEntries(Object.entries(goodHeaders()).filter(([name]) => name !== 'origin')),
        'origin_refused',
      ],
    ];
    for (const [headers, code] of cases) {
      const answer = await send('/api/runs/w/signal', { method: 'POST', headers, body: signalBody });
      expect([answer.status, JSON.parse(answer.body).error.code]).toEqual([403, code]);
    }
    expect(await signalsRecorded()).toBe(0);

    const accepted = await send('/api/runs/w/signal', {
      method: 'POST',
      headers: goodHeaders(),
      body: signalBody,
    });
    expect(accepted.status).toBe(200);
    expect(await env.engine.getHandle('w').result()).toBe('hi');
  });

  it('refuses terminate, pause, resume, update and reset without the token or from another origin; records nothing', async () => {
    const before = await env.engine.getHandle('still').history();
    const actions: [string, unknown][] = [
      ['terminate', { reason: 'r' }],
      ['pause', {}],
      ['resume', {}],
      ['update', { name: 'u', args: null }],
      ['reset', { toEventSeq: 1 }],
    ];
    for (const [action, body] of actions) {
      for (const [headers, code] of [
        [{ ...goodHeaders(), 'x-reprise-token': 'x'.repeat(ui.token.length) }, 'token_refused'],
        [{ ...goodHeaders(), origin: 'http://evil.example' }, 'origin_refused'],
      ] as const) {
        const answer = await send(`/api/runs/still/${action}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
        });
        expect([action, answer.status, JSON.parse(answer.body).error.code]).toEqual([action, 403, code]);
      }
    }
    expect(await env.engine.getHandle('still').history()).toEqual(before);
  });

  it('answers bad input to the actions with a typed error naming it, and changes nothing', async () => {
    const before = await env.engine.getHandle('still').history();
    const post = async (path: string, body: unknown) => {
      const answer = await send(path, { method: 'POST', headers: goodHeaders(), body: JSON.stringify(body) });
      const { code, message } = JSON.parse(answer.body).error;
      return [answer.status, code, message];
    };
    expect(await post('/api/runs/still/reset', { toEventSeq: 'first' })).toEqual([
      400,
      'invalid_argument',
      expect.stringContaining('"first"'),
    ]);
    expect(await post('/api/runs/still/reset', { toEventSeq: 99 })).toEqual([
      400,
      'invalid_argument',
      expect.stringContaining('99'),
    ]);
    expect(await post('/api/runs/still/update', { name: 7 })).toEqual([
      400,
      'invalid_argument',
      expect.stringContaining('7'),
    ]);
    expect(await post('/api/runs/still/update', { name: 'nope' })).toEqual([
      400,
      'update_rejected',
      expect.stringContaining('nope'),
    ]);
    expect(await post('/api/runs/still/terminate', { reason: { not: 'text' } })).toEqual([
      400,
      'invalid_argument',
      expect.stringContaining('{"not":"text"}'),
    ]);
    expect(await post('/api/runs/nobody/terminate', {})).toEqual([
      404,
      'workflow_not_found',
      expect.stringContaining('nobody'),
    ]);
    expect(await env.engine.getHandle('still').history()).toEqual(before);
  });

  it('answers bad input with a typed error naming it', async () => {
    const get = async (path: string) => {
      const answer = await send(path, { headers: { host: host() } });
      return [answer.status, JSON.parse(answer.body).error.code, JSON.parse(answer.body).error.message];
    };
    expect(await get('/api/runs?status=Bogus')).toEqual([
      400,
      'invalid_argument',
      expect.stringContaining('"Bogus"'),
    ]);
    expect(await get('/api/runs?limit=0')).toEqual([400, 'invalid_argument', expect.stringContaining('"0"')]);
    expect(await get('/api/runs?startedAfter=yesterday')).toEqual([
      400,
      'invalid_argument',
      expect.stringContaining('"yesterday"'),
    ]);
    expect(await get('/api/runs/nobody')).toEqual([
      404,
      'workflow_not_found',
      expect.stringContaining('nobody'),
    ]);
    const notJson = await send('/api/runs/w/signal', {
      method: 'POST',
      headers: goodHeaders(),
      body: '{"name": ',
    });
    expect([notJson.status, JSON.parse(notJson.body).error.code]).toEqual([400, 'invalid_argument']);
  });

  it('refuses a port out of range with a typed error', async () => {
    await expect(serveUi(env.engine, { port: 70_000 })).rejects.toMatchObject({ code: 'invalid_argument' });
  });
});
