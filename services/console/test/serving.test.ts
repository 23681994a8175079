import { describe, expect, it } from 'vitest';
import { startClusterConsole, startEmbeddedConsole, type ConsoleTarget } from '@switchboard/testing';
import { browserSuite, type BrowserSuite } from './browser-suite.js';

/** The console and the widget each reach their `main` (a console error fails the page's close). */
async function bothPagesLoad({ platform, browser }: BrowserSuite<ConsoleTarget>): Promise<void> {
  await using agentPage = await browser.newPage();
  await agentPage.page.goto(platform.consoleUrl);
  await agentPage.page.getByRole('main').waitFor();
  await using widgetPage = await browser.newPage();
  await widgetPage.page.goto(platform.widgetUrl());
  await widgetPage.page.getByRole('main').waitFor();
}

/**
 * Where the console is served: by `npm start` at `/console/` on its gateway port, and by `npm run start:console`
 * in front of the suite.platform. Both pages load in Chromium with no console error.
 */
describe('console - served by npm start', () => {
  const suite = browserSuite(() => startEmbeddedConsole());

  it('serving - npm start prints the console URL and a sign-in link with the admin token in the fragment only', () => {
    const logs = suite.platform.process.logs();
    expect(logs).toContain(`console   ${suite.platform.consoleUrl}`);
    const link = new URL(suite.platform.printedSignInLink);
    expect(link.pathname).toBe('/console/');
    expect(link.search).toBe('');
    expect(new URLSearchParams(link.hash.slice(1)).get('token')).toBe(suite.platform.app.admin_token);
  }, 60_000);

  it('serving - /console/config.json names the messages service on the host the browser used', async () => {
    const byName = await fetch(`${suite.platform.consoleUrl}config.json`);
    expect(byName.status).toBe(200);
    expect(byName.headers.get('cache-control')).toBe('no-cache');
    expect(await byName.json()).toEqual({ apiUrl: suite.platform.apiUrl });
    const byAddress = await fetch(`${suite.platform.consoleUrl.replace('localhost', '127.0.0.1')}config.json`);
    expect(await byAddress.json()).toEqual({ apiUrl: suite.platform.apiUrl.replace('localhost', '127.0.0.1') });
    const redirect = await fetch(suite.platform.consoleUrl.replace(/\/$/, ''), { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/console/');
  }, 60_000);

  it('serving - both pages load without a console error', () => bothPagesLoad(suite), 60_000);
});

describe('console - served by start:console in front of the cluster', () => {
  const suite = browserSuite(() => startClusterConsole());

  it('serving - config.json comes from CONSOLE_API_URL and CONSOLE_GATEWAY_URL', async () => {
    const response = await fetch(`${suite.platform.consoleUrl}config.json`);
    expect(await response.json()).toEqual({ apiUrl: suite.platform.apiUrl, gatewayUrl: suite.platform.gatewayUrl });
  }, 60_000);

  it('serving - both pages load without a console error', () => bothPagesLoad(suite), 60_000);
});
