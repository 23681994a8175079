import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** Debian's Chromium (`.ci/run` installs the `chromium` package); `CHROMIUM_PATH` points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless, no sandbox (CI runs as root), and nothing that reaches the network by itself: no QUIC, sync, component
 * updates or first-run pages. Playwright adds `--headless` itself.
 */
export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

/** `test-results/console/` at the repository's root: where the browser tests' screenshots go. */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../../test-results/console/', import.meta.url));

export interface TestPageOptions {
  /**
   * Console errors that are expected in this test (e.g. Chromium's "WebSocket connection … failed" while a gateway
   * node drains): the ones matching none of these fail the test.
   */
  readonly allowErrors?: readonly RegExp[];
  /** Open the page in this context (sharing its storage with other pages); by default a fresh context of its own. */
  readonly context?: BrowserContext;
  /** @default { width: 1280, height: 800 } */
  readonly viewport?: { readonly width: number; readonly height: number };
}

/**
 * A page that records what would go unnoticed in a browser: `console.error` lines and uncaught exceptions. Closing
 * it (`await using`, or `close()`) throws when any of them was not expected, so the test fails.
 */
export interface TestPage extends AsyncDisposable {
  readonly page: Page;
  readonly context: BrowserContext;
  /** The unexpected errors so far. */
  errors(): readonly string[];
  /** Throws, listing them, when there were unexpected errors. */
  assertNoErrors(): void;
  /** Writes `SCREENSHOT_DIR/<name>.png` and returns its path (the folder is printed once per process). */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface TestBrowser extends AsyncDisposable {
  readonly browser: Browser;
  newPage(options?: TestPageOptions): Promise<TestPage>;
  close(): Promise<void>;
}

let screenshotDirPrinted = false;

/** Saves a screenshot of the page under `SCREENSHOT_DIR`, printing the folder the first time. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
  await page.screenshot({ path: file });
  if (!screenshotDirPrinted) {
    screenshotDirPrinted = true;
    process.stdout.write(`browser screenshots: ${SCREENSHOT_DIR}\n`);
  }
  return file;
}

/**
 * Launches Debian's Chromium through playwright-core (no browser download: Playwright's own builds cannot be fetched
 * here). One browser per test file; each page gets its own context (its own storage) unless told.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  // Loaded here, not with the harness: most tests that import @switchboard/testing never open a browser.
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS] });
  const pages = new Set<TestPage>();
  const close = async () => {
    for (const page of pages) await page.page.context().close().catch(() => {});
    await browser.close();
  };
  return {
    browser,
    async newPage(options = {}) {
      const ownContext = options.context === undefined;
      const context = options.context ?? (await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } }));
      const page = await context.newPage();
      const errors: string[] = [];
      const expected = (text: string) => (options.allowErrors ?? []).some((pattern) => pattern.test(text));
      page.on('console', (message) => {
        if (message.type() !== 'error') return;
        const location = message.location();
        const text = `console.error: ${message.text()}${location.url ? ` (${location.url}:${location.lineNumber})` : ''}`;
        if (!expected(text)) errors.push(text);
      });
      page.on('pageerror', (error) => {
        const text = `uncaught: ${error.stack ?? error.message}`;
        if (!expected(text)) errors.push(text);
      });
      const assertNoErrors = () => {
        if (errors.length > 0) throw new Error(`the page logged ${errors.length} unexpected error(s):\n${errors.join('\n')}`);
      };
      let closed = false;
      const closePage = async () => {
        if (closed) return;
        closed = true;
        pages.delete(testPage);
        await (ownContext ? context.close() : page.close());
        assertNoErrors();
      };
      const testPage: TestPage = {
        page,
        context,
        errors: () => [...errors],
        assertNoErrors,
        screenshot: (name) => saveScreenshot(page, name),
        close: closePage,
        [Symbol.asyncDispose]: closePage,
      };
      pages.add(testPage);
      return testPage;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
