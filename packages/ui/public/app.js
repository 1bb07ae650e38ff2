// The Reprise web UI: Preact components written with htm (no build step). Every value from the
// server is rendered as text through Preact's nodes; nothing here builds HTML from strings.
import htm from 'htm';
import { h, render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';

const html = htm.bind(h);

const TOKEN_KEY = 'reprise-token';
const REFRESH_MS = 2000;

/** The token from the address printed at start (`?token=`), kept for this tab and taken out of the address bar. */
function takeToken() {
  const params = new URLSearchParams(location.search);
  const token = params.get('token');
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    params.delete('token');
    const query = params.toString();
    history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}
const token = takeToken();

class ApiError extends Error {
  constructor(status, error) {
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code;
  }
}

async function api(path, options = {}) {
  const init = { method: options.method ?? 'GET', headers: {} };
  if (options.body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.headers['x-reprise-token'] = token;
    init.body = JSON.stringify(options.body);
  }
  const response = await fetch(path, init);
  const body = await response.json().catch(() => undefined);
  if (!response.ok) throw new ApiError(response.status, body?.error);
  return body;
}

/** Reads `path` now and every `every` ms while `live`; `reload()` reads again at once. */
function usePoll(path, every, live = true) {
  const [state, setState] = useState({ data: undefined, error: undefined });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => {
    if (path === undefined) return undefined;
    let stopped = false;
    let timer;
    const read = async () => {
      try {
        const data = await api(path);
        if (!stopped) setState({ data, error: undefined });
      } catch (error) {
        if (!stopped) setState((old) => ({ data: old.data, error }));
      }
      if (!stopped && live && every) timer = setTimeout(read, every);
    };
    read();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [path, every, live, tick]);
  return { ...state, reload };
}

const runLink = (workflowId) => `#/runs/${encodeURIComponent(workflowId)}`;
const time = (ms) =>
  ms === undefined || ms === null ? '' : new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
function duration(ms) {
  if (ms === undefined || ms === null) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
const json = (value) => JSON.stringify(value, null, 2) ?? 'undefined';

function Status({ status }) {
  return html`<span class=${`status status-${status}`} data-testid="status">${status}</span>`;
}

function Message({ message }) {
  if (!message) return null;
  return html`<div class=${`message ${message.kind}`} data-testid=${`message-${message.kind}`}>${message.text}</div>`;
}

// ---------------------------------------------------------------------------------------------
// Runs

const emptyFilters = { status: '', type: '', after: '', before: '', attr: '' };

function runsQuery(filters, cursor) {
  const params = new URLSearchParams();
  if (filters.status) params.set('status', filters.status);
  if (filters.type) params.set('type', filters.type);
  if (filters.after) params.set('startedAfter', new Date(filters.after).toISOString());
  if (filters.before) params.set('startedBefore', new Date(filters.before).toISOString());
  for (const pair of filters.attr.split(/\s*,\s*/)) if (pair) params.append('attr', pair);
  if (cursor) params.set('cursor', cursor);
  params.set('limit', '25');
  return `/api/runs?${params}`;
}

function RunsPage({ info }) {
  const [draft, setDraft] = useState(emptyFilters);
  const [filters, setFilters] = useState(emptyFilters);
  const [cursors, setCursors] = useState([undefined]);
  const [live, setLive] = useState(true);
  const cursor = cursors[cursors.length - 1];
  const { data, error } = usePoll(runsQuery(filters, cursor), REFRESH_MS, live);
  const apply = (next) => {
    setDraft(next);
    setFilters(next);
    setCursors([undefined]);
  };
  const field = (name) => (event) => setDraft({ ...draft, [name]: event.currentTarget.value });
  const submit = (event) => {
    event.preventDefault();
    apply(draft);
  };
  return html`
    <h1>Runs</h1>
    <div class="counts" data-testid="counts">
      ${(info?.statuses ?? []).map(
        (status) => html`
          <button
            class=${`count ${filters.status === status ? 'on' : ''}`}
            data-testid=${`count-${status}`}
            onClick=${() => apply({ ...filters, status: filters.status === status ? '' : status })}
          >
            ${status} <b>${data?.counts?.[status] ?? '…'}</b>
          </button>
        `,
      )}
    </div>
    <form class="filters" onSubmit=${submit} data-testid="filters">
      <label>Status
        <select value=${draft.status} onChange=${field('status')} name="status">
          <option value="">any</option>
          ${(info?.statuses ?? []).map((status) => html`<option value=${status}>${status}</option>`)}
        </select>
      </label>
      <label>Type <input name="type" value=${draft.type} onInput=${field('type')} placeholder="workflow type" /></label>
      <label>Started after <input name="after" type="datetime-local" step="1" value=${draft.after} onInput=${field('after')} /></label>
      <label>Started before <input name="before" type="datetime-local" step="1" value=${draft.before} onInput=${field('before')} /></label>
      <label>Search attribute <input name="attr" value=${draft.attr} onInput=${field('attr')} placeholder="name=value, …" /></label>
      <button type="submit">Filter</button>
      <button type="button" class="secondary" onClick=${() => apply(emptyFilters)}>Clear</button>
      <label><span><input type="checkbox" checked=${live} onChange=${(e) => setLive(e.currentTarget.checked)} /> live</span></label>
    </form>
    <${Message} message=${error ? { kind: 'error', text: error.message } : undefined} />
    <table data-testid="runs">
      <thead>
        <tr><th>Workflow id</th><th>Type</th><th>Status</th><th>Build</th><th>Started</th><th>Closed</th><th>Duration</th></tr>
      </thead>
      <tbody>
        ${(data?.items ?? []).map(
          (run) => html`
            <tr data-testid="run-row" data-workflow-id=${run.workflowId}>
              <td><a href=${runLink(run.workflowId)}>${run.workflowId}</a></td>
              <td>${run.workflowType}</td>
              <td><${Status} status=${run.status} /></td>
              <td>${run.buildId ?? ''}</td>
              <td>${time(run.startedAt)}</td>
              <td>${time(run.closedAt)}</td>
              <td>${run.closedAt === undefined ? '' : duration(run.closedAt - run.startedAt)}</td>
            </tr>
          `,
        )}
      </tbody>
    </table>
    ${data && data.items.length === 0 ? html`<p class="muted" data-testid="no-runs">No runs match.</p>` : null}
    <p>
      <button class="secondary" disabled=${cursors.length === 1} onClick=${() => setCursors(cursors.slice(0, -1))}>Previous</button>
      ${' '}
      <button class="secondary" data-testid="next-page" disabled=${!data?.cursor} onClick=${() => setCursors([...cursors, data.cursor])}>Next</button>
    </p>
  `;
}

// ---------------------------------------------------------------------------------------------
// One run

function kindOf(type) {
  if (type.startsWith('Activity')) return 'activity';
  if (type.startsWith('Timer') || type === 'WithTimeoutCompleted') return 'timer';
  if (type.startsWith('Signal')) return 'signal';
  if (type.startsWith('ChildWorkflow')) return 'child';
  if (type.startsWith('Workflow')) return 'workflow';
  return 'other';
}

function Actions({ workflowId, info, running, onDone }) {
  const [name, setName] = useState('');
  const [payload, setPayload] = useState('null');
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState();
  const [busy, setBusy] = useState(false);
  const act = async (what, body) => {
    setBusy(true);
    setMessage(undefined);
    try {
      await api(`/api/runs/${encodeURIComponent(workflowId)}/${what}`, { method: 'POST', body });
      setMessage({ kind: 'ok', text: what === 'signal' ? `Signal ${body.name} sent.` : 'Cancel requested.' });
      onDone();
    } catch (error) {
      setMessage({ kind: 'error', text: error.message });
    } finally {
      setBusy(false);
    }
  };
  const signal = (event) => {
    event.preventDefault();
    let value;
    try {
      value = JSON.parse(payload);
    } catch (error) {
      setMessage({ kind: 'error', text: `The payload is not JSON: ${error.message}` });
      return;
    }
    act('signal', { name, payload: value });
  };
  if (!info?.can?.signal && !info?.can?.cancel)
    return html`<p class="muted">This UI has no engine to send actions to.</p>`;
  return html`
    <div class="actions">
      ${token ? null : html`<p class="muted">Actions need the token: open the address printed at start.</p>`}
      <form class="actions" onSubmit=${signal} data-testid="signal-form">
        <label>Signal name <input name="signal-name" value=${name} onInput=${(e) => setName(e.currentTarget.value)} required /></label>
        <label>Payload (JSON) <textarea name="signal-payload" value=${payload} onInput=${(e) => setPayload(e.currentTarget.value)} /></label>
        <button type="submit" disabled=${busy || !running} data-testid="send-signal">Send signal</button>
      </form>
      <form class="actions" onSubmit=${(e) => {
        e.preventDefault();
        act('cancel', reason ? { reason } : {});
      }}>
        <label>Cancel reason <input name="cancel-reason" value=${reason} onInput=${(e) => setReason(e.currentTarget.value)} /></label>
        <button type="submit" class="secondary" disabled=${busy || !running} data-testid="cancel">Cancel run</button>
      </form>
      <${Message} message=${message} />
    </div>
  `;
}

function RunPage({ workflowId, info }) {
  const path = `/api/runs/${encodeURIComponent(workflowId)}`;
  const { data, error, reload } = usePoll(path, REFRESH_MS);
  const [events, setEvents] = useState();
  useEffect(() => setEvents(undefined), [workflowId]);
  if (error && !data)
    return html`<h1>Run</h1><${Message} message=${{ kind: 'error', text: error.message }} />`;
  if (!data) return html`<p class="muted">Loading…</p>`;
  const d = data.description;
  const running = d.status === 'Running';
  const showEvents = async () => setEvents(await api(`${path}/events`));
  return html`
    <h1>Run <span data-testid="run-id">${d.workflowId}</span></h1>
    <div class="grid">
      <div class="card">
        <dl class="kv">
          <dt>Status</dt><dd><${Status} status=${d.status} />${d.stalled ? html` <span class="status-Failed">stalled: ${d.stalled.reason}</span>` : null}</dd>
          <dt>Type</dt><dd>${d.workflowType}</dd>
          <dt>Run id</dt><dd>${d.runId}</dd>
          ${d.buildId ? html`<dt>Build</dt><dd>${d.buildId}</dd>` : null}
          <dt>Started</dt><dd>${time(d.startedAt)}</dd>
          <dt>Closed</dt><dd>${time(d.closedAt)}</dd>
          <dt>Duration</dt><dd>${d.closedAt === undefined ? '' : duration(d.closedAt - d.startedAt)}</dd>
          ${d.residency && running ? html`<dt>Residency</dt><dd>${d.residency}</dd>` : null}
          <dt>Events</dt><dd>${d.historyLength}</dd>
          ${data.parent ? html`<dt>Parent</dt><dd><a href=${runLink(data.parent.workflowId)}>${data.parent.workflowId}</a></dd>` : null}
          ${d.parentRunId ? html`<dt>Continued from</dt><dd>${d.parentRunId}</dd>` : null}
        </dl>
      </div>
      <div class="card"><${Actions} workflowId=${d.workflowId} info=${info} running=${running} onDone=${reload} /></div>
    </div>
    <div class="grid">
      <div><h2>Input</h2><pre data-testid="input">${json(data.input)}</pre></div>
      <div><h2>${data.outcome ? data.outcome.status : 'Result'}</h2><pre data-testid="outcome">${data.outcome ? json(data.outcome) : 'not closed yet'}</pre></div>
    </div>
    ${
      d.pendingActivities.length > 0
        ? html`<h2>Pending activities</h2>
          <table data-testid="pending-activities">
            <thead><tr><th>Activity id</th><th>Type</th><th>Attempts ended</th><th>Next retry</th></tr></thead>
            <tbody>${d.pendingActivities.map(
              (a) =>
                html`<tr><td>${a.activityId}</td><td>${a.activityType}</td><td>${a.attemptsEnded}</td><td>${time(a.retryAt)}</td></tr>`,
            )}</tbody>
          </table>`
        : null
    }
    ${
      d.pendingTimers.length > 0
        ? html`<h2>Pending timers</h2>
          <table><tbody>${d.pendingTimers.map((t) => html`<tr><td>${t.timerId}</td><td>${time(t.fireAt)}</td></tr>`)}</tbody></table>`
        : null
    }
    ${
      data.children.length > 0
        ? html`<h2>Children</h2>
          <ul data-testid="children">${data.children.map(
            (c) =>
              html`<li><a href=${runLink(c.workflowId)}>${c.workflowId}</a> <span class="muted">${c.workflowType}</span></li>`,
          )}</ul>`
        : null
    }
    <h2>Timeline</h2>
    <table class="timeline" data-testid="timeline">
      <tbody>
        ${data.timeline.items.map(
          (item) => html`
            <tr class=${`kind-${kindOf(item.type)}`} data-testid="timeline-item" data-type=${item.type}>
              <td class="seq">#${item.seq}</td>
              <td class="offset">+${duration(item.offset)}</td>
              <td class="text">${item.text}</td>
            </tr>
          `,
        )}
      </tbody>
    </table>
    <h2>Raw events</h2>
    ${
      events
        ? html`<pre data-testid="raw-events">${json(events)}</pre>`
        : html`<button class="secondary" onClick=${showEvents} data-testid="show-events">Show events as JSON</button>`
    }
  `;
}

// ---------------------------------------------------------------------------------------------
// Supervision tree

function SupervisionPage() {
  const { data, error } = usePoll('/api/supervision', 1000);
  if (error && !data)
    return html`<h1>Supervision tree</h1><${Message} message=${{ kind: 'error', text: error.message }} />`;
  if (!data) return html`<p class="muted">Loading…</p>`;
  return html`
    <h1>Supervision tree</h1>
    <div class="tree" data-testid="tree">
      <div class="node"><b>engine root</b> <span>${data.root.strategy}</span> <span class="pid">${data.root.pid ?? 'down'}</span></div>
      <ul>
        ${data.types.map(
          (type) => html`
            <li data-testid="type-supervisor" data-workflow-type=${type.workflowType}>
              <div class="node">
                <b>${type.workflowType}</b>
                <span>${type.strategy}</span>
                <span class="pid">${type.pid ?? 'down'}</span>
                <span>restarts ${type.restarts}</span>
                <span title="restarts within the period, against the intensity">intensity ${type.recentRestarts}/${type.intensity} in ${duration(type.period)}</span>
                <span class="muted">${type.runs.length} runs</span>
              </div>
              <ul>
                ${type.runs.map(
                  (run) => html`
                    <li data-testid="run-actor" data-workflow-id=${run.workflowId} data-residency=${run.residency}>
                      <div class="node">
                        <a href=${runLink(run.workflowId)}>${run.workflowId}</a>
                        <span class="pid">${run.pid ?? 'no actor'}</span>
                        <span class=${`badge ${run.residency}`}>${run.residency}</span>
                        ${run.restarts > 0 ? html`<span>restarted ${run.restarts}×</span>` : null}
                      </div>
                    </li>
                  `,
                )}
              </ul>
            </li>
          `,
        )}
      </ul>
    </div>
  `;
}

// ---------------------------------------------------------------------------------------------
// Schedules

function SchedulesPage() {
  const { data, error, reload } = usePoll('/api/schedules', REFRESH_MS);
  const [message, setMessage] = useState();
  const act = async (scheduleId, action) => {
    try {
      await api(`/api/schedules/${encodeURIComponent(scheduleId)}/${action}`, { method: 'POST', body: {} });
      setMessage({ kind: 'ok', text: `Schedule ${scheduleId}: ${action}d.` });
      reload();
    } catch (failure) {
      setMessage({ kind: 'error', text: failure.message });
    }
  };
  return html`
    <h1>Schedules</h1>
    <${Message} message=${message ?? (error ? { kind: 'error', text: error.message } : undefined)} />
    <table data-testid="schedules">
      <thead><tr><th>Schedule</th><th>Spec</th><th>Workflow type</th><th>State</th><th>Next fires</th><th>Recent runs</th><th></th></tr></thead>
      <tbody>
        ${(data ?? []).map(
          (s) => html`
            <tr data-testid="schedule-row" data-schedule-id=${s.scheduleId}>
              <td>${s.scheduleId}</td>
              <td><code>${JSON.stringify(s.spec)}</code></td>
              <td>${s.workflowType}</td>
              <td data-testid="schedule-state">${s.paused ? 'paused' : 'active'}</td>
              <td>${s.nextFireTimes.slice(0, 3).map((at) => html`<div>${time(at)}</div>`)}</td>
              <td>${s.recentActions
                .filter((a) => a.kind === 'fired')
                .slice(-3)
                .map(
                  (a) => html`<div><a href=${runLink(a.workflowId)}>${a.workflowId}</a> ${a.status}</div>`,
                )}</td>
              <td>
                <button class="secondary" data-testid="schedule-toggle" onClick=${() => act(s.scheduleId, s.paused ? 'resume' : 'pause')}>
                  ${s.paused ? 'Resume' : 'Pause'}
                </button>
              </td>
            </tr>
          `,
        )}
      </tbody>
    </table>
    ${data && data.length === 0 ? html`<p class="muted">No schedules.</p>` : null}
  `;
}

// ---------------------------------------------------------------------------------------------
// The frame and the routes (in the address's hash: #/runs, #/runs/<id>, #/supervision, #/schedules)

function useRoute() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash.replace(/^#/, '') || '/runs';
}

function App() {
  const route = useRoute();
  const { data: info } = usePoll('/api/info', 0);
  const run = route.match(/^\/runs\/(.+)$/);
  let page;
  if (run) page = html`<${RunPage} workflowId=${decodeURIComponent(run[1])} info=${info} />`;
  else if (route === '/supervision') page = html`<${SupervisionPage} />`;
  else if (route === '/schedules') page = html`<${SchedulesPage} />`;
  else page = html`<${RunsPage} info=${info} />`;
  const nav = (href, label, active) => html`<a href=${href} class=${active ? 'active' : ''}>${label}</a>`;
  return html`
    <header>
      <span class="brand">Reprise</span>
      ${nav('#/runs', 'Runs', route.startsWith('/runs'))}
      ${info?.can?.supervision ? nav('#/supervision', 'Supervision', route === '/supervision') : null}
      ${info?.can?.schedules ? nav('#/schedules', 'Schedules', route === '/schedules') : null}
      <span class="label">${info?.label ?? ''}</span>
    </header>
    <main>${page}</main>
  `;
}

render(html`<${App} />`, document.getElementById('app'));
