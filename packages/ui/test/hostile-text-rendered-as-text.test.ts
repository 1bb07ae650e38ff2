// XSS: ids, payloads, results and errors that carry markup are shown as text on every page,
// and no script of theirs runs (a dialog or a page error would be recorded).
import { defineWorkflow } from '@reprise/core';
import { createTestEngine, type TestEngine } from '@reprise/testkit';
import { serveUi, type UiServer } from '@reprise/ui';
import { BROWSER_TEST_TIMEOUT_MS, launchBrowser, screenshot, type TestBrowser, text } from './browser.js';

jest.setTimeout(BROWSER_TEST_TIMEOUT_MS);

const SCRIPT = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(2)>';

const echo = defineWorkflow('echo', async (ctx, input: string) => {
  const signal = await ctx.waitForSignal<string>('say');
  return { input, signal };
});
const fails = defineWorkflow('fails', async (_ctx, input: string) => {
  throw new Error(input);
});

let env: TestEngine;
let ui: UiServer;
let browser: TestBrowser;

beforeAll(async () => {
  env = await createTestEngine({ workflows: [echo, fails] });
  await env.engine.start(echo, SCRIPT, { workflowId: IMG });
  await env.engine.start(fails, IMG, { workflowId: 'fails-with-markup' });
  await env.idle();
  ui = await serveUi(env.engine, { port: 0 });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await ui?.close();
  await env?.close();
});

describe('hostile text in the UI', () => {
  it('shows a hostile workflow id, input and error as text on the runs page and the run pages', async () => {
    const { page, problems } = await browser.newPage();
    await page.goto(ui.urlWithToken);
    await page.locator('[data-testid=run-row]').nth(1).waitFor();
    expect(await text(page, '[data-testid=runs]')).toContain(IMG);
    expect(await page.locator('main img').count()).toBe(0);

    await page.locator('[data-testid=run-row] a', { hasText: IMG }).click();
    await page.locator('[data-testid=run-id]', { hasText: IMG }).waitFor();
    expect(JSON.parse(await text(page, '[data-testid=input]'))).toBe(SCRIPT);

    // A signal whose payload is markup, sent from the page: the result shows it as text.
    await page.fill('input[name=signal-name]', 'say');
    await page.fill('textarea[name=signal-payload]', JSON.stringify(IMG));
    await page.click('[data-testid=send-signal]');
    await page.locator('[data-testid=status]', { hasText: 'Completed' }).waitFor();
    expect(JSON.parse(await text(page, '[data-testid=outcome]'))).toEqual({
      status: 'Completed',
      result: { input: SCRIPT, signal: IMG },
    });
    await page.click('[data-testid=show-events]');
    const raw = JSON.parse(await text(page, '[data-testid=raw-events]'));
    expect(raw[0]).toMatchObject({ type: 'WorkflowStarted', input: SCRIPT, workflowId: IMG });
    expect(await text(page, '[data-testid=timeline]')).toContain('say');
    await screenshot(page, 'hostile-run');

    await page.goto(`${ui.url}#/runs/fails-with-markup`);
    await page.locator('[data-testid=status]', { hasText: 'Failed' }).waitFor();
    expect(JSON.parse(await text(page, '[data-testid=outcome]')).error.message).toBe(IMG);
    expect(await text(page, '[data-testid=timeline]')).toContain(IMG);
    await page.goto(`${ui.url}#/supervision`);
    await page.locator('[data-testid=type-supervisor]').first().waitFor();

    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
