// A run's page in a real browser (headless Chromium): the timeline drawn as bars (a retried
// activity's attempts with their backoff, timers, children linking to their runs, continue-as-new
// links), pending activities with their last failure, children as a tree, and the actions beside
// signal and cancel: terminate, update (its result or its rejection), reset (a link to the new
// run), pause and resume. Hostile text in update names, arguments and reasons stays text.
import { defineActivity, defineWorkflow } from '@reprise/core';
import { createTestEngine, type TestEngine } from '@reprise/testkit';
import { serveUi, serveUiSource, storeSource, type UiServer } from '@reprise/ui';
import type { Page } from 'playwright-core';
import { BROWSER_TEST_TIMEOUT_MS, docsScreenshot, launchBrowser, type TestBrowser, text } from './browser.js';

jest.setTimeout(BROWSER_TEST_TIMEOUT_MS);

const IMG = '<img src=x onerror=alert(1)>';

const flaky = defineActivity(
  'flaky',
  async (input: string, actx) => {
    if (actx.attempt < 3) throw new Error(`busy (attempt ${actx.attempt})`);
    return `${input} done`;
  },
  { retry: { initialInterval: '10s', backoffCoefficient: 2, maximumAttempts: 5 } },
);
const stuck = defineActivity(
  'stuck',
  async (): Promise<string> => {
    throw Object.assign(new Error('provider down'), { name: 'ProviderDown' });
  },
  { retry: { initialInterval: '1h', maximumAttempts: 10 } },
);
const step = defineActivity('step', async (n: number) => n + 1);

const grandkid = defineWorkflow('grandkid', async (_ctx, n: number) => n * 10);
/** A bit of everything the timeline draws: a retried activity, a child, a timer, a signal. */
const retrying = defineWorkflow('retrying', async (ctx, input: string) => {
  const result = await ctx.activity(flaky, input);
  const tens = await ctx.child(grandkid, 3, { workflowId: 'retrying-kid' });
  await ctx.sleep('20s');
  const shipped = await ctx.waitForSignal<{ by: string }>('ship');
  return { result, tens, shippedBy: shipped?.by ?? null };
});
const waiting = defineWorkflow('waiting', async (ctx) => {
  await ctx.activity(stuck, null);
  return null;
});
const kid = defineWorkflow('kid', async (ctx, n: number) =>
  ctx.child(grandkid, n, { workflowId: `grandkid-${n}` }),
);
const family = defineWorkflow('family', async (ctx) => {
  const a = await ctx.child(kid, 1, { workflowId: 'kid-1' });
  return { a };
});
const looping = defineWorkflow('looping', async (ctx, round: number) => {
  await ctx.activity(step, round);
  if (round < 2) return ctx.continueAsNew(round + 1);
  return round;
});
/** Counts what updates add, refuses negative ones; runs until a signal says stop. */
const counter = defineWorkflow('counter', async (ctx) => {
  let total = 0;
  ctx.setUpdateHandler<{ by: number }, number>(
    'bump',
    (args) => {
      total += args.by;
      return total;
    },
    {
      validator: (args) => {
        if (typeof args?.by !== 'number' || args.by < 0)
          throw new Error(`cannot bump by ${JSON.stringify(args)}`);
      },
    },
  );
  const first = await ctx.activity(step, 0);
  await ctx.waitForSignal('stop');
  return { total, first };
});

let env: TestEngine;
let ui: UiServer;
let browser: TestBrowser;

beforeAll(async () => {
  env = await createTestEngine({
    workflows: [retrying, waiting, grandkid, kid, family, looping, counter],
    activities: [flaky, stuck, step],
  });
  const { engine } = env;
  await engine.start(retrying, 'order', { workflowId: 'retrying-1' });
  await env.advance('2m');
  await engine.getHandle('retrying-1').signal('ship', { by: 'ada' });
  await engine.getHandle('retrying-1').result();
  await engine.start(waiting, null, { workflowId: 'waiting-1' });
  await (await engine.start(family, null, { workflowId: 'family-1' })).result();
  await (await engine.start(looping, 1, { workflowId: 'looping-1' })).result();
  for (const id of ['counter-terminate', 'counter-update', 'counter-reset', 'counter-pause'])
    await engine.start(counter, null, { workflowId: id });
  await env.idle();
  ui = await serveUi(engine, { port: 0 });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await ui?.close();
  await env?.close();
});

async function openRun(workflowId: string): Promise<{ page: Page; problems: string[] }> {
  const opened = await browser.newPage();
  await opened.page.goto(`${ui.urlWithToken}#/runs/${encodeURIComponent(workflowId)}`);
  await opened.page.locator('[data-testid=run-id]', { hasText: workflowId }).waitFor();
  return opened;
}

const attributes = (page: Page, selector: string, name: string) =>
  page.locator(selector).evaluateAll((nodes, attr) => nodes.map((node) => node.getAttribute(attr)), name);

describe("a run's page", () => {
  it("draws a retried activity's attempts as bars, failed ones marked, with the backoff between them, and the timer", async () => {
    const { page, problems } = await openRun('retrying-1');
    const activity = '[data-testid=span][data-kind=activity]';
    await page.locator(`${activity}[data-outcome=completed]`).waitFor();
    expect(await attributes(page, `${activity} [data-testid=attempt]`, 'data-outcome')).toEqual([
      'failed',
      'failed',
      'completed',
    ]);
    expect(await attributes(page, `${activity} [data-testid=attempt]`, 'data-attempt')).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(await page.locator(`${activity} [data-testid=backoff]`).count()).toBe(2);
    expect(await page.locator(`${activity} [data-testid=attempt]`).first().getAttribute('title')).toContain(
      'busy (attempt 1)',
    );
    await page.locator('[data-testid=span][data-kind=timer][data-outcome=fired]').waitFor();
    await page
      .locator('[data-testid=span][data-kind=child][data-outcome=completed] [data-testid=child-link]')
      .waitFor();
    await page.locator('[data-testid=mark][data-kind=signal][data-name=ship]').waitFor();
    expect(await page.locator('[data-testid=timeline-run]').getAttribute('data-status')).toBe('Completed');
    await docsScreenshot(page, 'ui-run');
    expect(problems).toEqual([]);
  });

  it('shows a pending activity with its attempt, last failure and next retry', async () => {
    const { page, problems } = await openRun('waiting-1');
    const row = page.locator('[data-testid=pending-activity]');
    await row.waitFor();
    expect(await text(page, '[data-testid=pending-attempt]')).toBe('2');
    expect(await text(page, '[data-testid=pending-failure]')).toBe('ProviderDown: provider down');
    expect(await row.textContent()).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    // Its bar: a failed attempt, the backoff, and the next attempt waiting.
    expect(await attributes(page, '[data-testid=attempt]', 'data-outcome')).toEqual(['failed', 'open']);
    expect(problems).toEqual([]);
  });

  it("shows the children as a tree with links, a child's children too, and child bars linking to their runs", async () => {
    const { page, problems } = await openRun('family-1');
    const kidNode = page.locator('[data-testid=child-node][data-workflow-id=kid-1]');
    await kidNode.waitFor();
    const grandkidNode = kidNode.locator('[data-testid=child-node][data-workflow-id=grandkid-1]');
    await grandkidNode.waitFor();
    expect(await grandkidNode.locator('[data-testid=child-outcome]').textContent()).toBe(
      'WorkflowCompleted result 10',
    );
    expect(await kidNode.locator('[data-testid=child-status]').first().textContent()).toBe('Completed');
    await page.locator('[data-testid=span][data-kind=child] [data-testid=child-link]').click();
    await page.locator('[data-testid=run-id]', { hasText: 'kid-1' }).waitFor();
    await page.locator('[data-testid=child-node][data-workflow-id=grandkid-1]').waitFor();
    expect(problems).toEqual([]);
  });

  it('links the runs of a continue-as-new chain to each other', async () => {
    const { page, problems } = await openRun('looping-1');
    await page.locator('[data-testid=timeline-run]').nth(1).waitFor();
    const statuses = await attributes(page, '[data-testid=timeline-run]', 'data-status');
    expect(statuses).toEqual(['ContinuedAsNew', 'Completed']);
    expect(
      await page
        .locator('[data-testid=timeline-run]')
        .first()
        .locator('[data-testid=next-run]')
        .textContent(),
    ).toContain('run2');
    expect(
      await page
        .locator('[data-testid=timeline-run]')
        .nth(1)
        .locator('[data-testid=previous-run]')
        .textContent(),
    ).toContain('run1');
    expect(problems).toEqual([]);
  });

  it('terminates a run with a reason, shown as text, and the run closes as Terminated', async () => {
    const { page, problems } = await openRun('counter-terminate');
    await page.fill('input[name=terminate-reason]', IMG);
    await page.click('[data-testid=terminate]');
    await page.locator('[data-testid=status]', { hasText: 'Terminated' }).waitFor();
    await expect(env.engine.getHandle('counter-terminate').result()).rejects.toMatchObject({
      code: 'workflow_terminated',
    });
    const history = await env.engine.getHandle('counter-terminate').history();
    expect(history.at(-1)).toMatchObject({ type: 'WorkflowTerminated', reason: IMG });
    await page.locator('[data-testid=timeline-item][data-type=WorkflowTerminated]').waitFor();
    expect(await text(page, '[data-testid=timeline-item][data-type=WorkflowTerminated]')).toContain(IMG);
    // Closed: the buttons that need an open run say why they are off.
    await page.locator('[data-testid=actions-closed]').waitFor();
    expect(await page.locator('[data-testid=terminate]').isDisabled()).toBe(true);
    expect(await page.locator('main img').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('sends an update and shows its result; a rejected one shows the rejection, hostile text as text', async () => {
    const { page, problems } = await openRun('counter-update');
    await page.fill('input[name=update-name]', 'bump');
    await page.fill('textarea[name=update-args]', '{"by": 5}');
    await page.click('[data-testid=update]');
    await page.locator('[data-testid=update-result]', { hasText: 'Update bump returned 5' }).waitFor();

    await page.fill('textarea[name=update-args]', JSON.stringify({ by: IMG }));
    await page.click('[data-testid=update]');
    const rejected = page.locator('[data-testid=message-error]', { hasText: 'UpdateRejectedError' });
    await rejected.waitFor();
    expect(await rejected.textContent()).toContain(IMG);

    await page.fill('input[name=update-name]', IMG);
    await page.fill('textarea[name=update-args]', JSON.stringify(IMG));
    await page.click('[data-testid=update]');
    await page.locator('[data-testid=message-error]', { hasText: IMG }).waitFor();
    // Only the accepted update is in the history; the mark of its acceptance is on the timeline.
    const history = await env.engine.getHandle('counter-update').history();
    expect(history.filter((event) => event.type === 'UpdateAccepted')).toEqual([
      expect.objectContaining({ updateName: 'bump', args: { by: 5 } }),
    ]);
    await page.locator('[data-testid=mark][data-kind=updateAccepted][data-name=bump]').waitFor();
    expect(await page.locator('main img').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('resets to an event picked in the timeline and links to the new run', async () => {
    const { page, problems } = await openRun('counter-reset');
    const before = await env.engine.getHandle('counter-reset').describe();
    await page.locator('[data-testid=timeline-item][data-seq="1"] [data-testid=pick-reset]').click();
    expect(await page.locator('input[name=reset-seq]').inputValue()).toBe('1');
    await page.fill('input[name=reset-reason]', 'try again');
    await page.click('[data-testid=reset]');
    const link = page.locator('[data-testid=new-run-link]');
    await link.waitFor();
    const after = await env.engine.getHandle('counter-reset').describe();
    expect(after.runId).not.toBe(before.runId);
    expect(await link.getAttribute('data-run-id')).toBe(after.runId);
    expect(await link.textContent()).toBe(after.runId);
    await link.click();
    await page.locator('[data-testid=run-run-id]', { hasText: after.runId }).waitFor();
    await page
      .locator(`[data-testid=timeline-run][data-run-id="${before.runId}"][data-status=Terminated]`)
      .waitFor();
    await page.locator(`[data-testid=timeline-run][data-run-id="${after.runId}"]`).waitFor();
    expect(problems).toEqual([]);
  });

  it('pauses a run and resumes it; the runs page filters paused runs', async () => {
    const { page, problems } = await openRun('counter-pause');
    await page.fill('input[name=pause-reason]', 'looking into it');
    await page.click('[data-testid=pause]');
    await page.locator('[data-testid=paused]').waitFor();
    expect((await env.engine.getHandle('counter-pause').describe()).paused).toBe(true);
    await page.locator('[data-testid=mark][data-kind=paused]').waitFor();

    const list = await browser.newPage();
    await list.page.goto(ui.urlWithToken);
    await list.page.locator('[data-testid=count-paused] b', { hasText: '1' }).waitFor();
    await list.page.click('[data-testid=count-paused]');
    await list.page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 1);
    expect(await attributes(list.page, '[data-testid=run-row]', 'data-workflow-id')).toEqual([
      'counter-pause',
    ]);
    await list.page.close();

    await page.click('[data-testid=resume]');
    await page.locator('[data-testid=pause]').waitFor();
    expect(await page.locator('[data-testid=paused]').count()).toBe(0);
    expect((await env.engine.getHandle('counter-pause').describe()).paused).toBeUndefined();
    await page.locator('[data-testid=mark][data-kind=resumed]').waitFor();
    expect(list.problems).toEqual([]);
    expect(problems).toEqual([]);
  });
});

describe('a run page with no engine to act through', () => {
  it('is read-only: its buttons are off and say why', async () => {
    const reason = `No worker runs on ${IMG}: start one to act on runs.`;
    const refuse = async () => {
      throw new Error('no worker');
    };
    const readOnly = await serveUiSource(
      storeSource(env.engine.store, 'a data directory', {
        signal: refuse,
        cancel: refuse,
        terminate: refuse,
        unavailable: async () => reason,
      }),
      { port: 0 },
    );
    try {
      const { page, problems } = await browser.newPage();
      await page.goto(`${readOnly.urlWithToken}#/runs/waiting-1`);
      await page.locator('[data-testid=actions-blocked]').waitFor();
      expect(await text(page, '[data-testid=actions-blocked]')).toBe(reason);
      for (const action of ['send-signal', 'cancel', 'terminate']) {
        const button = page.locator(`[data-testid=${action}]`);
        expect(await button.isDisabled()).toBe(true);
        expect(await button.getAttribute('title')).toBe(reason);
      }
      // What the source cannot do at all says so.
      expect(await page.locator('[data-testid=update]').getAttribute('title')).toBe(
        'update is not available here',
      );
      expect(await page.locator('main img').count()).toBe(0);
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      await readOnly.close();
    }
  });
});

/** The page's document, as the functions run in the browser see it (the tests compile without DOM types). */
declare const document: { querySelectorAll(selector: string): ArrayLike<unknown> };
