// The web UI in a real browser (headless Chromium): the runs page over an engine with known
// runs, its filters, a run's timeline, a signal sent from the page that completes the run, and
// the supervision tree changing when a run is evicted. Screenshots go to test/screenshots/.
import { defineActivity, defineWorkflow } from '@reprise/core';
import { createTestEngine, type TestEngine } from '@reprise/testkit';
import { serveUi, type UiServer } from '@reprise/ui';
import type { Page } from 'playwright-core';
import {
  BROWSER_TEST_TIMEOUT_MS,
  docsScreenshot,
  launchBrowser,
  screenshot,
  type TestBrowser,
  text,
} from './browser.js';

jest.setTimeout(BROWSER_TEST_TIMEOUT_MS);

const charge = defineActivity('charge', async (order: { total: number }) => ({
  receipt: `r-${order.total}`,
}));

const order = defineWorkflow('order', async (ctx, input: { total: number }) => {
  const receipt = await ctx.activity(charge, input);
  const approved = await ctx.waitForSignal<{ by: string }>('approve');
  return { ...receipt, approvedBy: approved?.by ?? null };
});

const hello = defineWorkflow('hello', async (_ctx, name: string) => `hello ${name}`);

const broken = defineWorkflow('broken', async () => {
  throw Object.assign(new Error('out of stock'), { name: 'OutOfStock' });
});

let env: TestEngine;
let ui: UiServer;
let browser: TestBrowser;

beforeAll(async () => {
  env = await createTestEngine({
    workflows: [order, hello, broken],
    activities: [charge],
    searchAttributes: { customer: 'keyword' },
    maxResident: 3,
  });
  const { engine } = env;
  for (const name of ['ada', 'grace'])
    await (await engine.start(hello, name, { workflowId: `hello-${name}` })).result();
  await engine.start(broken, null, { workflowId: 'broken-1' });
  await engine.start(order, { total: 42 }, { workflowId: 'order-1', searchAttributes: { customer: 'acme' } });
  await engine.start(
    order,
    { total: 7 },
    { workflowId: 'order-2', searchAttributes: { customer: 'globex' } },
  );
  await engine.schedules.create({
    scheduleId: 'nightly-hello',
    spec: { every: '1d' },
    workflowType: 'hello',
    input: 'night',
  });
  await env.idle();
  ui = await serveUi(engine, { port: 0 });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await ui?.close();
  await env?.close();
});

/** Waits until the runs table shows exactly these workflow ids (it refreshes after a filter changes). */
const waitForRows = (page: Page, ids: readonly string[]) =>
  page.waitForFunction(
    (expected) =>
      JSON.stringify(
        Array.from(document.querySelectorAll('[data-testid=run-row]'), (row) =>
          row.getAttribute('data-workflow-id'),
        ).sort(),
      ) === expected,
    JSON.stringify([...ids].sort()),
  );

/** The page's document, as the functions run in the browser see it (the tests compile without DOM types). */
declare const document: {
  querySelectorAll(selector: string): ArrayLike<{ getAttribute(name: string): string | null }>;
};

const rowIds = (page: Page) =>
  page
    .locator('[data-testid=run-row]')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-workflow-id')));

describe('the web UI in Chromium', () => {
  it('lists the runs with counts per status, and filters them by status, type and search attribute', async () => {
    const { page, problems } = await browser.newPage();
    await page.goto(ui.urlWithToken);
    await page.locator('[data-testid=run-row]').nth(4).waitFor();
    expect((await rowIds(page)).sort()).toEqual([
      'broken-1',
      'hello-ada',
      'hello-grace',
      'order-1',
      'order-2',
    ]);
    await page.locator('[data-testid=count-Completed] b', { hasText: '2' }).waitFor();
    await page.locator('[data-testid=count-Running] b', { hasText: '2' }).waitFor();
    await page.locator('[data-testid=count-Failed] b', { hasText: '1' }).waitFor();
    // The token is taken out of the address bar once read.
    expect(page.url()).not.toContain('token=');
    await docsScreenshot(page, 'ui-runs');

    await page.click('[data-testid=count-Completed]');
    await waitForRows(page, ['hello-ada', 'hello-grace']);
    expect((await rowIds(page)).sort()).toEqual(['hello-ada', 'hello-grace']);

    await page.click('[data-testid=count-Completed]');
    await page.fill('input[name=type]', 'order');
    await page.click('form[data-testid=filters] button[type=submit]');
    await waitForRows(page, ['order-1', 'order-2']);
    expect((await rowIds(page)).sort()).toEqual(['order-1', 'order-2']);

    await page.fill('input[name=attr]', 'customer=acme');
    await page.click('form[data-testid=filters] button[type=submit]');
    await waitForRows(page, ['order-1']);
    expect(await rowIds(page)).toEqual(['order-1']);
    await screenshot(page, 'runs-filtered');
    expect(problems).toEqual([]);
  });

  it('opens a run and shows its input, timeline and raw events; a signal sent from the page completes it', async () => {
    const { page, problems } = await browser.newPage();
    await page.goto(ui.urlWithToken);
    await page.click('[data-testid=run-row][data-workflow-id=order-1] a');
    await page.locator('[data-testid=run-id]', { hasText: 'order-1' }).waitFor();
    await page.locator('[data-testid=timeline-item][data-type=ActivityCompleted]').waitFor();
    const types = await page
      .locator('[data-testid=timeline-item]')
      .evaluateAll((items) => items.map((item) => item.getAttribute('data-type')));
    expect(types.slice(0, 3)).toEqual(['WorkflowStarted', 'ActivityScheduled', 'ActivityCompleted']);
    expect(JSON.parse(await text(page, '[data-testid=input]'))).toEqual({ total: 42 });
    await page.click('[data-testid=show-events]');
    const raw = JSON.parse(await text(page, '[data-testid=raw-events]')) as { type: string }[];
    expect(raw.map((event) => event.type)).toEqual(types);
    await screenshot(page, 'run-waiting');

    await page.fill('input[name=signal-name]', 'approve');
    await page.fill('textarea[name=signal-payload]', '{"by": "grace"}');
    await page.click('[data-testid=send-signal]');
    await page.locator('[data-testid=message-ok]').waitFor();
    expect(await env.engine.getHandle('order-1').result()).toEqual({ receipt: 'r-42', approvedBy: 'grace' });
    await page.locator('[data-testid=status]', { hasText: 'Completed' }).waitFor();
    await page.locator('[data-testid=timeline-item][data-type=WorkflowCompleted]').waitFor();
    expect(JSON.parse(await text(page, '[data-testid=outcome]'))).toEqual({
      status: 'Completed',
      result: { receipt: 'r-42', approvedBy: 'grace' },
    });
    // The same run in a new tab, without the raw events: the picture the README shows.
    const fresh = await browser.newPage();
    await fresh.page.goto(`${ui.urlWithToken}#/runs/order-1`);
    await fresh.page.locator('[data-testid=timeline-item][data-type=WorkflowCompleted]').waitFor();
    await screenshot(fresh.page, 'run-completed');
    await fresh.page.close();
    expect(fresh.problems).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('shows a payload that is not JSON as an error and sends nothing', async () => {
    const { page, problems } = await browser.newPage();
    await page.goto(`${ui.urlWithToken}#/runs/order-2`);
    await page.locator('[data-testid=run-id]', { hasText: 'order-2' }).waitFor();
    await page.fill('input[name=signal-name]', 'approve');
    await page.fill('textarea[name=signal-payload]', '{by: grace}');
    await page.click('[data-testid=send-signal]');
    await page.locator('[data-testid=message-error]', { hasText: 'not JSON' }).waitFor();
    const history = await env.engine.getHandle('order-2').history();
    expect(history.some((event) => event.type === 'SignalReceived')).toBe(false);
    expect(problems).toEqual([]);
  });

  it('shows the supervision tree, and a run turning from resident to suspended when it is evicted', async () => {
    const { page, problems } = await browser.newPage();
    await page.goto(`${ui.urlWithToken}#/supervision`);
    const actor = (id: string) => page.locator(`[data-testid=run-actor][data-workflow-id=${id}]`);
    await actor('order-2').waitFor();
    expect(await actor('order-2').getAttribute('data-residency')).toBe('resident');
    await page.locator('[data-testid=type-supervisor][data-workflow-type=hello]').waitFor();
    await screenshot(page, 'supervision-before');

    // maxResident is 3: three more waiting runs evict order-2, the least recently used.
    for (const n of [3, 4, 5]) await env.engine.start(order, { total: n }, { workflowId: `order-${n}` });
    await env.idle();
    await page
      .locator('[data-testid=run-actor][data-workflow-id=order-2][data-residency=suspended]')
      .waitFor();
    expect(await actor('order-5').getAttribute('data-residency')).toBe('resident');
    await screenshot(page, 'supervision-after-eviction');
    expect(problems).toEqual([]);
  });

  it('shows a schedule with its next fires, and pauses and resumes it from the page', async () => {
    const { page, problems } = await browser.newPage();
    await page.goto(`${ui.urlWithToken}#/schedules`);
    const row = page.locator('[data-testid=schedule-row][data-schedule-id=nightly-hello]');
    await row.locator('[data-testid=schedule-state]', { hasText: 'active' }).waitFor();
    expect(await row.textContent()).toContain('hello');
    await screenshot(page, 'schedules');
    await row.locator('[data-testid=schedule-toggle]').click();
    await row.locator('[data-testid=schedule-state]', { hasText: 'paused' }).waitFor();
    expect((await env.engine.schedules.describe('nightly-hello')).paused).toBe(true);
    await row.locator('[data-testid=schedule-toggle]').click();
    await row.locator('[data-testid=schedule-state]', { hasText: 'active' }).waitFor();
    expect((await env.engine.schedules.describe('nightly-hello')).paused).toBe(false);
    expect(problems).toEqual([]);
  });

  it('cancels a run from its page', async () => {
    const { page, problems } = await browser.newPage();
    await page.goto(`${ui.urlWithToken}#/runs/order-2`);
    await page.locator('[data-testid=status]', { hasText: 'Running' }).waitFor();
    await page.fill('input[name=cancel-reason]', 'customer changed their mind');
    await page.click('[data-testid=cancel]');
    await page.locator('[data-testid=status]', { hasText: 'Cancelled' }).waitFor();
    await expect(env.engine.getHandle('order-2').result()).rejects.toMatchObject({
      code: 'workflow_cancelled',
    });
    const history = await env.engine.getHandle('order-2').history();
    expect(history.find((event) => event.type === 'WorkflowCancelRequested')).toMatchObject({
      reason: 'customer changed their mind',
    });
    expect(problems).toEqual([]);
  });
});
