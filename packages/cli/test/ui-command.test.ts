// `reprise ui` over a data directory: it lists what the store holds, refuses an action while no
// worker runs, hands signals to the worker once one does (the run completes), and stops on
// SIGTERM.
import { CLI_TEST_TIMEOUT_MS, eventually, reprise, SHOP, spawnReprise, tempData } from './cli-process.js';

jest.setTimeout(CLI_TEST_TIMEOUT_MS);

const data = tempData();
afterAll(() => data.remove());
const at = (...args: string[]) => [...args, '--data', data.path];

/** The fields of the UI's JSON answers this test reads. */
interface Answer {
  readonly items?: readonly unknown[];
  readonly counts?: Record<string, number>;
  readonly can?: Record<string, boolean>;
  readonly error?: { readonly code: string };
  readonly timeline?: { readonly items: readonly { readonly type: string }[] };
  readonly description?: { readonly status: string };
  readonly outcome?: unknown;
  readonly actions?: { readonly available: boolean; readonly reason?: string };
}

it('serves the runs of a data directory, and signals through the worker holding it', async () => {
  await reprise(
    at('start', 'checkout', '--module', SHOP, '--id', 'early', '--input', '{"sku":"E","amount":1}'),
  );
  const ui = spawnReprise(at('ui', '--port', '0'));
  const worker = { current: undefined as ReturnType<typeof spawnReprise> | undefined };
  try {
    const line = await ui.waitFor(/^Reprise UI on .*: http:\/\/127\.0\.0\.1:\d+\/\?token=\S+$/);
    const address = new URL(line.slice(line.indexOf('http://')));
    const token = address.searchParams.get('token') ?? '';
    const base = `${address.origin}/`;
    const api = async (path: string, body?: unknown) => {
      const response = await fetch(new URL(path, base), {
        method: body === undefined ? 'GET' : 'POST',
        headers:
          body === undefined
            ? {}
            : { 'content-type': 'application/json', origin: address.origin, 'x-reprise-token': token },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Answer };
    };

    const runs = await api('/api/runs');
    expect(runs.status).toBe(200);
    expect(runs.body.items).toEqual([expect.objectContaining({ workflowId: 'early', status: 'Running' })]);
    expect(runs.body.counts).toMatchObject({ Running: 1, Completed: 0 });
    const info = await api('/api/info');
    expect(info.body.can).toEqual({
      signal: true,
      cancel: true,
      terminate: true,
      update: true,
      reset: true,
      pause: true,
      resume: true,
      supervision: false,
      schedules: true,
    });
    // Schedules are the worker's to read: none runs yet.
    const noSchedules = await api('/api/schedules');
    expect([noSchedules.status, noSchedules.body.error?.code]).toEqual([400, 'worker_unreachable']);

    // No worker yet: the page says why its actions are off, a signal is refused and nothing is recorded.
    expect((await api('/api/runs/early')).body.actions).toEqual({
      available: false,
      reason: expect.stringMatching(/^No worker runs on .*: start one \(reprise worker\)/),
    });
    const refused = await api('/api/runs/early/signal', { name: 'approve', payload: { by: 'ui' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'worker_unreachable' });
    const timeline = (await api('/api/runs/early')).body.timeline;
    expect(timeline?.items.map((item) => item.type)).toEqual(['WorkflowStarted']);

    worker.current = spawnReprise(at('worker', SHOP));
    await worker.current.waitFor(/^worker ready on /);
    expect((await api('/api/runs/early')).body.actions).toEqual({ available: true });
    const schedules = await api('/api/schedules');
    expect([schedules.status, schedules.body]).toEqual([200, []]);
    // Pause and resume go through the worker too: the run is paused, then runs on.
    expect((await api('/api/runs/early/pause', { reason: 'looking' })).status).toBe(200);
    await eventually(async () => (await api('/api/runs?status=paused')).body.items?.length === 1);
    expect((await api('/api/runs/early/resume', {})).status).toBe(200);
    await eventually(async () => (await api('/api/runs?status=paused')).body.items?.length === 0);
    const sent = await api('/api/runs/early/signal', { name: 'approve', payload: { by: 'ui' } });
    expect(sent.status).toBe(200);
    await eventually(async () => (await api('/api/runs/early')).body.description?.status === 'Completed');
    const run = (await api('/api/runs/early')).body as {
      outcome: { status: string; result: { by: string } };
    };
    expect(run.outcome).toMatchObject({ status: 'Completed', result: { by: 'ui' } });

    // Terminate goes to the worker as well: a run started through it ends as Terminated.
    await reprise(
      at('start', 'checkout', '--module', SHOP, '--id', 'late', '--input', '{"sku":"L","amount":1}'),
    );
    const terminated = await api('/api/runs/late/terminate', { reason: 'from the UI' });
    expect(terminated.status).toBe(200);
    await eventually(async () => (await api('/api/runs/late')).body.description?.status === 'Terminated');
    expect((await api('/api/runs/late')).body.outcome).toEqual({
      status: 'Terminated',
      reason: 'from the UI',
    });
  } finally {
    worker.current?.child.kill('SIGTERM');
    ui.child.kill('SIGTERM');
  }
  expect(await ui.exited).toBe(0);
  if (worker.current) expect(await worker.current.exited).toBe(0);
});

it('refuses a port that is not one as bad usage', async () => {
  const result = await reprise(at('ui', '--port', 'eighty'));
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/--port eighty is not a port number/);
});
