/**
 * Headless Chromium for the UI's tests: Debian's `chromium` package driven by playwright-core
 * (no browser download), each launch with a fresh profile folder, removed at close. Tests wait
 * for selectors and events, never for time.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Where `.ci/run` installs Chromium (Debian's package). */
export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** How long a wait for a selector may take before the test fails (a hang bound only). */
export const BROWSER_WAIT_MS = 90_000;
/** The jest timeout of a browser test: several such waits, and Chromium's start. */
export const BROWSER_TEST_TIMEOUT_MS = 300_000;

/** A browser with a fresh profile, and pages that fail the test on a script error or a dialog. */
export interface TestBrowser {
  readonly context: BrowserContext;
  /** A new page; `problems` collects page errors and dialogs (an XSS would open one). */
  newPage(): Promise<{ page: Page; problems: string[] }>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'reprise-ui-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 860 },
  });
  // A bound on a hang, not a speed: on a loaded 2-core machine a page may take seconds.
  context.setDefaultTimeout(BROWSER_WAIT_MS);
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('dialog', (dialog) => {
        problems.push(`dialog: ${dialog.message()}`);
        void dialog.dismiss();
      });
      return { page, problems };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The folder the tests save their screenshots in, for review (not committed). */
export const SCREENSHOTS = join(__dirname, 'screenshots');

/** Saves a screenshot of the page as `<name>.png` under {@link SCREENSHOTS}. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The repository's `docs/` folder, where the README's pictures of the UI live. */
const DOCS = join(__dirname, '..', '..', '..', 'docs');

/**
 * Saves a screenshot for review as {@link screenshot} does and, when the environment sets
 * `REPRISE_DOCS_SCREENSHOTS=1`, also as `docs/<name>.png`, the picture the README shows (so a
 * run of the tests refreshes it on purpose, never by accident).
 */
export async function docsScreenshot(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  if (process.env.REPRISE_DOCS_SCREENSHOTS === '1')
    await page.screenshot({ path: join(DOCS, `${name}.png`), fullPage: true });
}

/** The text of the first element matching `selector` (its DOM textContent). */
export async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent()) ?? '';
}
