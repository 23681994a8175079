import { afterAll, beforeAll } from 'vitest';
import { launchBrowser, type TestBrowser } from '@switchboard/testing';

/** What a suite's tests reach once `beforeAll` has run. */
export interface BrowserSuite<P> {
  readonly platform: P;
  readonly browser: TestBrowser;
}

/**
 * Starts the platform (`startEmbeddedConsole`, `startClusterConsole`) and Chromium together before the describe
 * block's tests, and closes both after them (after the block's own `afterAll`s: hooks run as a stack).
 */
export function browserSuite<P extends AsyncDisposable>(start: () => Promise<P>): BrowserSuite<P> {
  const suite = {} as { platform: P; browser: TestBrowser };
  beforeAll(async () => {
    [suite.platform, suite.browser] = await Promise.all([start(), launchBrowser()]);
  }, 180_000);
  afterAll(async () => {
    await suite.browser?.close();
    await suite.platform?.[Symbol.asyncDispose]();
  });
  return suite;
}
