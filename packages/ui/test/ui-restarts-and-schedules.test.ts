// The supervision page counts a run actor's restart after an engine fault (per run, per type, and
// in the intensity in use); the schedules page shows a schedule's spec, next fires and the runs
// its fires started, with their status and a link. In headless Chromium.
import { defineWorkflow, InMemoryStore, type WorkflowStore } from '@reprise/core';
import { createTestEngine, type TestEngine } from '@reprise/testkit';
import { serveUi, type UiServer } from '@reprise/ui';
import { BROWSER_TEST_TIMEOUT_MS, launchBrowser, screenshot, type TestBrowser, text } from './browser.js';

jest.setTimeout(BROWSER_TEST_TIMEOUT_MS);

const twoNaps = defineWorkflow('twoNaps', async (ctx) => {
  await ctx.sleep('1h');
  await ctx.sleep('1h');
  return 'rested twice';
});
const hello = defineWorkflow('hello', async (_ctx, name: string) => `hello ${name}`);

/** An in-memory store whose next append fails once when armed: an engine fault for the run. */
function flakyStore(): { store: WorkflowStore; failNextAppend(): void } {
  const inner = new InMemoryStore();
  let armed = false;
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'append')
        return (...args: Parameters<InMemoryStore['append']>) => {
          if (armed) {
            armed = false;
            return Promise.reject(new Error('disk unavailable'));
          }
          return target.append(...args);
        };
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, failNextAppend: () => (armed = true) };
}

let env: TestEngine;
let ui: UiServer;
let browser: TestBrowser;
let failNextAppend: () => void;

beforeAll(async () => {
  const flaky = flakyStore();
  failNextAppend = flaky.failNextAppend;
  env = await createTestEngine({ workflows: [twoNaps, hello], store: flaky.store });
  ui = await serveUi(env.engine, { port: 0 });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await ui?.close();
  await env?.close();
});

describe('the supervision and schedules pages', () => {
  it("shows a run actor's restart after an engine fault, and the intensity in use of its type", async () => {
    await env.engine.start(twoNaps, null, { workflowId: 'napper' });
    await env.idle();
    const { page, problems } = await browser.newPage();
    await page.goto(`${ui.urlWithToken}#/supervision`);
    const type = page.locator('[data-testid=type-supervisor][data-workflow-type=twoNaps]');
    await type.locator('[data-testid=run-actor][data-workflow-id=napper]').waitFor();
    expect(await text(page, '[data-workflow-type=twoNaps] [data-testid=type-restarts]')).toBe('restarts 0');
    expect(await type.locator('[data-testid=type-intensity]').getAttribute('data-recent')).toBe('0');

    // The first timer fires; the append of that step fails; the actor crashes and is restarted.
    failNextAppend();
    await env.advance('1h');
    await env.advance('1s');
    await env.idle();
    const { intensity } = env.engine.supervisionTree().types.find((t) => t.workflowType === 'twoNaps') ?? {};
    await type.locator('[data-testid=type-restarts]', { hasText: 'restarts 1' }).waitFor();
    await type.locator('[data-testid=run-restarts]', { hasText: 'restarted 1×' }).waitFor();
    const used = type.locator('[data-testid=type-intensity]');
    expect(await used.getAttribute('data-recent')).toBe('1');
    expect(await used.textContent()).toContain(`intensity 1/${intensity} in`);
    await screenshot(page, 'supervision-restarted');
    expect(problems).toEqual([]);
  });

  it("shows a schedule's spec and next fires, and the runs its fires started with their status", async () => {
    await env.engine.schedules.create({
      scheduleId: 'hourly-hello',
      spec: { every: '1h' },
      workflowType: 'hello',
      input: 'hour',
    });
    const next = (await env.engine.schedules.describe('hourly-hello')).nextFireTimes;
    const { page, problems } = await browser.newPage();
    await page.goto(`${ui.urlWithToken}#/schedules`);
    const row = page.locator('[data-testid=schedule-row][data-schedule-id=hourly-hello]');
    await row.waitFor();
    expect(await row.locator('[data-testid=schedule-spec]').textContent()).toBe('every 1.0 h');
    const shown = await row.locator('[data-testid=schedule-next] div').allTextContents();
    expect(shown).toEqual(
      next.slice(0, 3).map((at) => new Date(at).toISOString().replace('T', ' ').slice(0, 23)),
    );

    await env.advance('1h');
    await env.idle();
    const fired = (await env.engine.schedules.describe('hourly-hello')).recentActions.filter(
      (action) => action.kind === 'fired',
    );
    expect(fired).toHaveLength(1);
    const workflowId = fired[0]?.kind === 'fired' ? fired[0].workflowId : '';
    const fire = row.locator(`[data-testid=schedule-fire][data-workflow-id="${workflowId}"]`);
    await fire.locator('[data-testid=fire-status]', { hasText: 'Completed' }).waitFor();
    await screenshot(page, 'schedules-fired');
    await fire.locator('a').click();
    await page.locator('[data-testid=run-id]', { hasText: workflowId }).waitFor();
    expect(JSON.parse(await text(page, '[data-testid=outcome]'))).toEqual({
      status: 'Completed',
      result: 'hello hour',
    });
    expect(problems).toEqual([]);
  });
});
