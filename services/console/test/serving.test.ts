import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, startClusterConsole, startEmbeddedConsole, type ClusterConsole, type EmbeddedConsole, type TestBrowser } from '@switchboard/testing';

/**
 * Where the console is served: by `npm start` at `/console/` on its gateway port, and by `npm run start:console`
 * in front of the cluster. Both pages load in Chromium with no console error.
 */
describe('console - served by npm start', () => {
  let platform: EmbeddedConsole;
  let browser: TestBrowser;
  beforeAll(async () => {
    [platform, browser] = await Promise.all([startEmbeddedConsole(), launchBrowser()]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await platform?.[Symbol.asyncDispose]();
  });

  it('serving - npm start prints the console URL and a sign-in link with the admin token in the fragment only', () => {
    const logs = platform.process.logs();
    expect(logs).toContain(`console   ${platform.consoleUrl}`);
    const link = new URL(platform.printedSignInLink);
    expect(link.pathname).toBe('/console/');
    expect(link.search).toBe('');
    expect(new URLSearchParams(link.hash.slice(1)).get('token')).toBe(platform.app.admin_token);
  });

  it('serving - /console/config.json names the messages service on the host the browser used', async () => {
    const byName = await fetch(`${platform.consoleUrl}config.json`);
    expect(byName.status).toBe(200);
    expect(byName.headers.get('cache-control')).toBe('no-cache');
    expect(await byName.json()).toEqual({ apiUrl: platform.apiUrl });
    const byAddress = await fetch(`${platform.consoleUrl.replace('localhost', '127.0.0.1')}config.json`);
    expect(await byAddress.json()).toEqual({ apiUrl: platform.apiUrl.replace('localhost', '127.0.0.1') });
    const redirect = await fetch(platform.consoleUrl.replace(/\/$/, ''), { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/console/');
  });

  it('serving - both pages load without a console error', async () => {
    await using agentPage = await browser.newPage();
    await agentPage.page.goto(platform.consoleUrl);
    await agentPage.page.getByRole('main').waitFor();
    await using widgetPage = await browser.newPage();
    await widgetPage.page.goto(platform.widgetUrl());
    await widgetPage.page.getByRole('main').waitFor();
  });
});

describe('console - served by start:console in front of the cluster', () => {
  let cluster: ClusterConsole;
  let browser: TestBrowser;
  beforeAll(async () => {
    [cluster, browser] = await Promise.all([startClusterConsole(), launchBrowser()]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await cluster?.[Symbol.asyncDispose]();
  });

  it('serving - config.json comes from CONSOLE_API_URL and CONSOLE_GATEWAY_URL', async () => {
    const response = await fetch(`${cluster.consoleUrl}config.json`);
    expect(await response.json()).toEqual({ apiUrl: cluster.apiUrl, gatewayUrl: cluster.gatewayUrl });
  });

  it('serving - both pages load without a console error', async () => {
    await using agentPage = await browser.newPage();
    await agentPage.page.goto(cluster.consoleUrl);
    await agentPage.page.getByRole('main').waitFor();
    await using widgetPage = await browser.newPage();
    await widgetPage.page.goto(cluster.widgetUrl());
    await widgetPage.page.getByRole('main').waitFor();
  });
});
