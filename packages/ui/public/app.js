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
    if (error?.name) this.name = error.name;
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

function Status({ status, testid = 'status' }) {
  return html`<span class=${`status status-${status}`} data-testid=${testid}>${status}</span>`;
}

/**
 * A link's click that shows a run's part of the timeline: a new run of the workflow id on this
 * page (a reset keeps the id) is scrolled to; a link to another page goes there.
 */
const showRun = (runId) => (event) => {
  const section = document.getElementById(`run-${runId}`);
  if (!section || event.currentTarget.getAttribute('href') !== location.hash) return;
  event.preventDefault();
  section.scrollIntoView();
};

function Message({ message }) {
  if (!message) return null;
  return html`<div class=${`message ${message.kind}`} data-testid=${message.testid ?? `message-${message.kind}`}>
    ${message.text}${message.link ? html`<a href=${message.link.href} onClick=${showRun(message.link.runId)} data-testid="new-run-link" data-run-id=${message.link.runId}>${message.link.text}</a>` : null}
  </div>`;
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
            ${status} <b>${data?.counts?.[status] ?? '…'}${data?.countsAtLeast?.includes(status) ? '+' : ''}</b>
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
              <td><${Status} status=${run.status} />${run.paused ? html` <span class="badge paused">paused</span>` : null}</td>
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

/** Parses a JSON text field; `undefined` and a message when it is not JSON. */
function parseJson(label, text, setMessage) {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    setMessage({ kind: 'error', text: `The ${label} is not JSON: ${error.message}` });
    return undefined;
  }
}

/** Why the actions cannot be used now, or undefined: no engine, no worker, no token. */
function actionsBlocked(info, actions) {
  if (!info?.can?.signal && !info?.can?.cancel) return 'This UI has no engine to send actions to.';
  if (actions && !actions.available) return actions.reason;
  if (!token) return 'Actions need the token: open the address printed at start.';
  return undefined;
}

function Actions({ run, info, actions, resetSeq, setResetSeq, onDone }) {
  const workflowId = run.workflowId;
  const running = run.status === 'Running';
  const [fields, setFields] = useState({
    name: '',
    payload: 'null',
    reason: '',
    terminateReason: '',
    pauseReason: '',
    updateName: '',
    updateArgs: 'null',
    resetReason: '',
  });
  const [message, setMessage] = useState();
  const [busy, setBusy] = useState(false);
  const field = (name) => (event) => setFields({ ...fields, [name]: event.currentTarget.value });
  const blocked = actionsBlocked(info, actions);
  const closedWhy = running ? undefined : `The run is ${run.status}: only reset acts on it.`;
  const can = (what) => Boolean(info?.can?.[what]);
  const act = async (what, body, done) => {
    setBusy(true);
    setMessage(undefined);
    try {
      const answer = await api(`/api/runs/${encodeURIComponent(workflowId)}/${what}`, {
        method: 'POST',
        body,
      });
      setMessage(done(answer));
      onDone();
    } catch (error) {
      setMessage({
        kind: 'error',
        text: error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message,
      });
    } finally {
      setBusy(false);
    }
  };
  const submit = (handler) => (event) => {
    event.preventDefault();
    handler();
  };
  const signal = () => {
    const payload = parseJson('payload', fields.payload, setMessage);
    if (payload)
      act('signal', { name: fields.name, payload: payload.value }, () => ({
        kind: 'ok',
        text: `Signal ${fields.name} sent.`,
      }));
  };
  const update = () => {
    const args = parseJson('update arguments', fields.updateArgs, setMessage);
    if (args)
      act('update', { name: fields.updateName, args: args.value }, (answer) => ({
        kind: 'ok',
        testid: 'update-result',
        text: `Update ${fields.updateName} returned ${json(answer.result)}`,
      }));
  };
  const reset = () => {
    const seq = Number(resetSeq);
    if (!Number.isInteger(seq) || seq < 1) {
      setMessage({ kind: 'error', text: `${JSON.stringify(resetSeq)} is not an event seq.` });
      return;
    }
    act(
      'reset',
      { toEventSeq: seq, ...(fields.resetReason ? { reason: fields.resetReason } : {}) },
      (answer) => ({
        kind: 'ok',
        testid: 'reset-done',
        text: `Reset to #${seq}: new run `,
        link: { href: runLink(answer.workflowId), runId: answer.runId, text: answer.runId },
      }),
    );
  };
  const disabledWhy = (what, needsOpen = true) =>
    !can(what) ? `${what} is not available here` : (blocked ?? (needsOpen ? closedWhy : undefined));
  const button = (what, label, cls, needsOpen = true, testid = what) => {
    const why = disabledWhy(what, needsOpen);
    return html`<button type="submit" class=${cls} disabled=${busy || why !== undefined} title=${why ?? ''} data-testid=${testid}>${label}</button>`;
  };
  return html`
    <div class="actions">
      ${blocked ? html`<p class="muted" data-testid="actions-blocked">${blocked}</p>` : null}
      ${!blocked && closedWhy ? html`<p class="muted" data-testid="actions-closed">${closedWhy}</p>` : null}
      <form class="action" onSubmit=${submit(signal)} data-testid="signal-form">
        <label>Signal name <input name="signal-name" value=${fields.name} onInput=${field('name')} required /></label>
        <label>Payload (JSON) <textarea name="signal-payload" value=${fields.payload} onInput=${field('payload')} /></label>
        ${button('signal', 'Send signal', '', true, 'send-signal')}
      </form>
      <form class="action" onSubmit=${submit(update)} data-testid="update-form">
        <label>Update name <input name="update-name" value=${fields.updateName} onInput=${field('updateName')} required /></label>
        <label>Arguments (JSON) <textarea name="update-args" value=${fields.updateArgs} onInput=${field('updateArgs')} /></label>
        ${button('update', 'Send update', '')}
      </form>
      <form class="action inline" onSubmit=${submit(() => act('cancel', fields.reason ? { reason: fields.reason } : {}, () => ({ kind: 'ok', text: 'Cancel requested.' })))}>
        <label>Cancel reason <input name="cancel-reason" value=${fields.reason} onInput=${field('reason')} /></label>
        ${button('cancel', 'Cancel run', 'secondary')}
      </form>
      <form class="action inline" onSubmit=${submit(() => act('terminate', fields.terminateReason ? { reason: fields.terminateReason } : {}, () => ({ kind: 'ok', text: 'Terminated.' })))}>
        <label>Terminate reason <input name="terminate-reason" value=${fields.terminateReason} onInput=${field('terminateReason')} /></label>
        ${button('terminate', 'Terminate', 'danger')}
      </form>
      <form class="action inline" onSubmit=${submit(() => {
        const what = run.paused ? 'resume' : 'pause';
        act(what, fields.pauseReason ? { reason: fields.pauseReason } : {}, () => ({
          kind: 'ok',
          text: what === 'pause' ? 'Paused.' : 'Resumed.',
        }));
      })}>
        <label>${run.paused ? 'Resume' : 'Pause'} reason <input name="pause-reason" value=${fields.pauseReason} onInput=${field('pauseReason')} /></label>
        ${run.paused ? button('resume', 'Resume', 'secondary') : button('pause', 'Pause', 'secondary')}
      </form>
      <form class="action inline" onSubmit=${submit(reset)} data-testid="reset-form">
        <label>Reset to event # <input name="reset-seq" value=${resetSeq} onInput=${(e) => setResetSeq(e.currentTarget.value)} placeholder="pick one in the timeline" size="6" /></label>
        <label>Reason <input name="reset-reason" value=${fields.resetReason} onInput=${field('resetReason')} /></label>
        ${button('reset', 'Reset', 'secondary', false)}
      </form>
      <${Message} message=${message} />
    </div>
  `;
}

// The timeline as bars: one axis per run, from its start to its end (or the latest time it knows).

const SPAN_TITLES = { activity: 'activity', timer: 'timer', child: 'child' };
/** Lanes drawn per run at most; a run with more lists the rest in its events only. */
const MAX_LANES = 300;

function runExtent(run) {
  let end = run.end ?? run.start;
  for (const span of run.spans) {
    end = Math.max(end, span.end ?? span.start, span.fireAt ?? 0);
    for (const attempt of span.attempts ?? [])
      end = Math.max(end, attempt.end ?? attempt.start, attempt.retryAt ?? 0);
  }
  for (const point of run.points) end = Math.max(end, point.at);
  return { start: run.start, end: Math.max(end, run.start + 1) };
}

/** A bar's position on its run's axis, as CSS percentages (set through the DOM's style object). */
function place(extent, from, to) {
  const size = extent.end - extent.start;
  const left = ((from - extent.start) / size) * 100;
  const width = Math.max(((to - from) / size) * 100, 0.6);
  return { left: `${Math.min(left, 99.4)}%`, width: `${Math.min(width, 100 - Math.min(left, 99.4))}%` };
}

function Bar({ extent, from, to, cls, title, testid, attrs = {}, onPick, seq }) {
  return html`<div
    class=${`bar ${cls}`}
    style=${place(extent, from, to)}
    title=${title}
    data-testid=${testid}
    ...${attrs}
    onClick=${onPick && seq !== undefined ? () => onPick(seq) : undefined}
  />`;
}

function SpanRow({ span, extent, workflowEnd, onPick }) {
  const end = span.end ?? workflowEnd;
  let bars;
  if (span.kind === 'activity') {
    bars = span.attempts.flatMap((attempt, index) => {
      const next = span.attempts[index + 1];
      const attemptEnd = attempt.end ?? Math.max(attempt.start, workflowEnd);
      const out = [
        html`<${Bar}
          extent=${extent}
          from=${attempt.start}
          to=${attemptEnd}
          cls=${`attempt attempt-${attempt.outcome}`}
          title=${`attempt ${attempt.attempt}: ${attempt.outcome}${attempt.error ? ` (${attempt.error.name}: ${attempt.error.message})` : ''}`}
          testid="attempt"
          attrs=${{ 'data-attempt': attempt.attempt, 'data-outcome': attempt.outcome }}
          onPick=${onPick}
          seq=${attempt.endSeq}
        />`,
      ];
      if (attempt.retryAt !== undefined && attempt.end !== undefined)
        out.push(
          html`<${Bar} extent=${extent} from=${attempt.end} to=${next?.start ?? attempt.retryAt} cls="backoff" title=${`backoff before attempt ${attempt.attempt + 1}`} testid="backoff" />`,
        );
      return out;
    });
  } else {
    const to = span.kind === 'timer' && span.end === undefined ? (span.fireAt ?? end) : end;
    bars = html`<${Bar}
      extent=${extent}
      from=${span.start}
      to=${to}
      cls=${`span-${span.kind} outcome-${span.outcome}`}
      title=${`${SPAN_TITLES[span.kind]} ${span.name}: ${span.outcome}`}
      testid="span-bar"
      onPick=${onPick}
      seq=${span.startSeq}
    />`;
  }
  return html`
    <div class=${`lane lane-${span.kind}`} data-testid="span" data-kind=${span.kind} data-span-id=${span.id} data-outcome=${span.outcome}>
      <div class="lane-label">
        ${
          span.kind === 'child'
            ? html`<a href=${runLink(span.childWorkflowId)} data-testid="child-link">${span.name}</a> <span class="muted">${span.childWorkflowId}</span>`
            : html`<b>${span.name}</b>${span.kind === 'activity' ? html` <span class="muted">${span.id}</span>` : null}`
        }
        ${span.attempts && span.attempts.length > 1 ? html` <span class="muted">${span.attempts.length} attempts</span>` : null}
      </div>
      <div class="track">${bars}</div>
    </div>
  `;
}

function TimelineRun({ run, runs, workflowId, onPick }) {
  const extent = runExtent(run);
  const workflowEnd = extent.end;
  const aliasOf = (runId) => runs.find((r) => r.runId === runId)?.alias ?? runId;
  const jump = (runId) => (event) => {
    event.preventDefault();
    document.getElementById(`run-${runId}`)?.scrollIntoView();
  };
  return html`
    <section class="timeline-run" id=${`run-${run.runId}`} data-testid="timeline-run" data-run-id=${run.runId} data-status=${run.status}>
      <div class="run-head">
        <b>${run.alias}</b> <span class="pid">${run.runId}</span> <${Status} status=${run.status} testid="run-status" />
        <span class="muted">${time(run.start)} · ${duration(extent.end - extent.start)}</span>
        ${
          run.previousRunId
            ? html`<a href=${runLink(workflowId)} onClick=${jump(run.previousRunId)} data-testid="previous-run">← continues ${aliasOf(run.previousRunId)}</a>`
            : null
        }
        ${
          run.nextRunId
            ? html`<a href=${runLink(workflowId)} onClick=${jump(run.nextRunId)} data-testid="next-run">continued as ${aliasOf(run.nextRunId)} →</a>`
            : null
        }
      </div>
      ${run.spans.slice(0, MAX_LANES).map((span) => html`<${SpanRow} span=${span} extent=${extent} workflowEnd=${workflowEnd} onPick=${onPick} />`)}
      ${run.spans.length > MAX_LANES ? html`<p class="muted" data-testid="lanes-cut">${run.spans.length - MAX_LANES} more not drawn: see the events below.</p>` : null}
      ${
        run.points.length > 0
          ? html`<div class="lane lane-points">
              <div class="lane-label muted">signals, updates</div>
              <div class="track">
                ${run.points.map(
                  (point) => html`<div
                    class=${`mark mark-${point.kind}${point.failed ? ' failed' : ''}`}
                    style=${{ left: place(extent, point.at, point.at).left }}
                    title=${`#${point.seq} ${point.kind} ${point.name}`}
                    data-testid="mark"
                    data-kind=${point.kind}
                    data-name=${point.name}
                    onClick=${() => onPick(point.seq)}
                  />`,
                )}
              </div>
            </div>`
          : null
      }
      ${run.spans.length === 0 && run.points.length === 0 ? html`<p class="muted">Nothing waited on in this run.</p>` : null}
      <div class="lane axis" data-testid="axis">
        <div class="lane-label"></div>
        <div class="track">
          ${[0, 0.25, 0.5, 0.75, 1].map(
            (f) =>
              html`<span class=${`tick${f === 1 ? ' last' : ''}`} style=${{ left: `${f * 100}%` }}>+${duration(Math.round(f * (extent.end - extent.start)))}</span>`,
          )}
        </div>
      </div>
    </section>
  `;
}

function ChildTree({ nodes }) {
  return html`<ul>
    ${nodes.map(
      (node) => html`
        <li data-testid="child-node" data-workflow-id=${node.workflowId}>
          <div class="node">
            <a href=${runLink(node.workflowId)}>${node.workflowId}</a>
            <span class="muted">${node.workflowType}</span>
            ${node.status ? html`<${Status} status=${node.status} testid="child-status" />` : html`<span class="muted">not started</span>`}
            <span class="muted">input <code>${node.input}</code></span>
            ${node.outcome ? html`<code data-testid="child-outcome">${node.outcome}</code>` : null}
            ${node.cut ? html`<span class="muted">(more below: open it)</span>` : null}
          </div>
          ${node.children.length > 0 ? html`<${ChildTree} nodes=${node.children} />` : null}
        </li>
      `,
    )}
  </ul>`;
}

function briefFailure(error) {
  return error ? `${error.name}: ${error.message}` : '';
}

function RunPage({ workflowId, info }) {
  const path = `/api/runs/${encodeURIComponent(workflowId)}`;
  const { data, error, reload } = usePoll(path, REFRESH_MS);
  const [events, setEvents] = useState();
  const [resetSeq, setResetSeq] = useState('');
  useEffect(() => {
    setEvents(undefined);
    setResetSeq('');
  }, [workflowId]);
  if (error && !data)
    return html`<h1>Run</h1><${Message} message=${{ kind: 'error', text: error.message }} />`;
  if (!data) return html`<p class="muted">Loading…</p>`;
  const d = data.description;
  const running = d.status === 'Running';
  const showEvents = async () => setEvents(await api(`${path}/events`));
  const pick = info?.can?.reset ? (seq) => setResetSeq(String(seq)) : () => undefined;
  return html`
    <h1>Run <span data-testid="run-id">${d.workflowId}</span></h1>
    <div class="grid">
      <div>
      <div class="card">
        <dl class="kv">
          <dt>Status</dt><dd><${Status} status=${d.status} />${d.paused && running ? html` <span class="badge paused" data-testid="paused">paused</span>` : null}${d.stalled ? html` <span class="status-Failed">stalled: ${d.stalled.reason}</span>` : null}</dd>
          <dt>Type</dt><dd>${d.workflowType}</dd>
          <dt>Run id</dt><dd data-testid="run-run-id">${d.runId}</dd>
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
      <h2>Input</h2><pre data-testid="input">${json(data.input)}</pre>
      <h2>${data.outcome ? data.outcome.status : 'Result'}</h2><pre data-testid="outcome">${data.outcome ? json(data.outcome) : 'not closed yet'}</pre>
      </div>
      <div class="card"><${Actions} key=${d.workflowId} run=${d} info=${info} actions=${data.actions} resetSeq=${resetSeq} setResetSeq=${setResetSeq} onDone=${reload} /></div>
    </div>
    <h2>Timeline</h2>
    <div class="bars" data-testid="timeline-bars">
      ${data.timeline.runs.map((run) => html`<${TimelineRun} run=${run} runs=${data.timeline.runs} workflowId=${d.workflowId} onPick=${pick} />`)}
    </div>
    ${
      d.pendingActivities.length > 0
        ? html`<h2>Pending activities</h2>
          <table data-testid="pending-activities">
            <thead><tr><th>Activity id</th><th>Type</th><th>Attempt</th><th>Last failure</th><th>Next retry</th></tr></thead>
            <tbody>${d.pendingActivities.map(
              (a) =>
                html`<tr data-testid="pending-activity" data-activity-id=${a.activityId}>
                  <td>${a.activityId}</td><td>${a.activityType}</td>
                  <td data-testid="pending-attempt">${a.attemptsEnded + 1}</td>
                  <td data-testid="pending-failure">${briefFailure(a.lastFailure)}</td>
                  <td>${time(a.retryAt)}</td>
                </tr>`,
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
      data.childTree.length > 0
        ? html`<h2>Children</h2><div class="tree" data-testid="children"><${ChildTree} nodes=${data.childTree} /></div>`
        : null
    }
    <h2>Events</h2>
    <table class="timeline" data-testid="timeline">
      <tbody>
        ${data.timeline.items.map(
          (item) => html`
            <tr class=${`kind-${kindOf(item.type)}${String(item.seq) === resetSeq ? ' picked' : ''}`} data-testid="timeline-item" data-type=${item.type} data-seq=${item.seq}>
              <td class="seq">#${item.seq}</td>
              <td class="offset">+${duration(item.offset)}</td>
              <td class="text">${item.text}</td>
              ${info?.can?.reset ? html`<td class="pick"><button class="link" data-testid="pick-reset" title="reset to this event" onClick=${() => setResetSeq(String(item.seq))}>reset here</button></td>` : null}
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
                <span data-testid="type-restarts">restarts ${type.restarts}</span>
                <span
                  class=${`intensity${type.recentRestarts > type.intensity / 2 ? ' high' : ''}`}
                  title="automatic restarts within the period, against the intensity beyond which the supervisor gives up"
                  data-testid="type-intensity"
                  data-recent=${type.recentRestarts}
                  data-intensity=${type.intensity}
                >intensity ${type.recentRestarts}/${type.intensity} in ${duration(type.period)}</span>
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
                        ${run.restarts > 0 ? html`<span data-testid="run-restarts">restarted ${run.restarts}×</span>` : null}
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

/** A schedule's spec in words: its cron (and zone), or its interval (and offset). */
function specText(spec) {
  if (spec.cron !== undefined) return `cron ${spec.cron}${spec.timezone ? ` (${spec.timezone})` : ''}`;
  if (spec.every !== undefined)
    return `every ${duration(spec.every)}${spec.offset ? `, offset ${duration(spec.offset)}` : ''}`;
  return JSON.stringify(spec);
}

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
              <td data-testid="schedule-spec">${specText(s.spec)}</td>
              <td>${s.workflowType}</td>
              <td data-testid="schedule-state">${s.paused ? 'paused' : 'active'}${s.note ? html`<div class="muted">${s.note}</div>` : null}</td>
              <td data-testid="schedule-next">${s.nextFireTimes.slice(0, 3).map((at) => html`<div>${time(at)}</div>`)}</td>
              <td data-testid="schedule-recent">${s.recentActions.slice(-5).map((a) =>
                a.kind === 'fired'
                  ? html`<div data-testid="schedule-fire" data-workflow-id=${a.workflowId}>
                      <a href=${runLink(a.workflowId)}>${a.workflowId}</a> <${Status} status=${a.status} testid="fire-status" />
                      <span class="muted">${time(a.fireAt)}${a.cause === 'spec' ? '' : ` (${a.cause})`}</span>
                    </div>`
                  : html`<div class="muted">skipped ${time(a.from)} – ${time(a.upTo)} (${a.reason})</div>`,
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
