/**
 * A stop-gap until the shared browser harness lands in libs/testing: Debian's Chromium through playwright-core, and
 * the e2e cluster (two gateway nodes behind a TCP balancer) with the built console served statically beside it.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { startStack, startTcpBalancer, type Stack, type TcpBalancer } from '@switchboard/testing';
import type { CreatedApp } from '@switchboard/protocol';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../../../test-results/console/', import.meta.url));

export interface TestPage {
  readonly page: Page;
  errors(): string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<{ newPage(options?: { allowErrors?: RegExp[] }): Promise<TestPage>; close(): Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const browser: Browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    async newPage(options = {}) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const errors: string[] = [];
      const allowed = (text: string) => (options.allowErrors ?? []).some((re) => re.test(text));
      page.on('console', (m) => m.type() === 'error' && !allowed(m.text()) && errors.push(`console.error: ${m.text()}`));
      page.on('pageerror', (e) => !allowed(e.message) && errors.push(`uncaught: ${e.stack ?? e.message}`));
      return {
        page,
        errors: () => errors,
        async screenshot(name) {
          mkdirSync(SCREENSHOT_DIR, { recursive: true });
          const file = path.join(SCREENSHOT_DIR, `${name}.png`);
          await page.screenshot({ path: file });
          return file;
        },
        async close() {
          await context.close();
          if (errors.length) throw new Error(errors.join('\n'));
        },
      };
    },
    close: () => browser.close(),
  };
}

export interface LocalCluster {
  readonly stack: Stack;
  readonly balancer: TcpBalancer;
  readonly consoleUrl: string;
  readonly app: CreatedApp;
  signInUrl(app?: CreatedApp): string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };

export async function startLocalCluster(gatewayEnv: Record<string, string> = {}): Promise<LocalCluster> {
  const stack = await startStack({ nodes: 2, gatewayEnv: { DRAIN_WINDOW_MS: '2000', PRESENCE_GRACE_MS: '300', ...gatewayEnv } });
  const balancer = await startTcpBalancer(stack.nodes.map((n) => n.port));
  const config = JSON.stringify({ apiUrl: stack.messages.url, gatewayUrl: balancer.url });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const rel = url.pathname.replace(/^\/console\//, '') || 'index.html';
    if (rel === 'config.json') return void res.writeHead(200, { 'content-type': 'application/json' }).end(config);
    readFile(path.join(DIST, path.normalize(rel))).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[path.extname(rel)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const app = await stack.createApp('console');
  const consoleUrl = `http://127.0.0.1:${port}/console/`;
  return {
    stack,
    balancer,
    consoleUrl,
    app,
    signInUrl: (a = app) => `${consoleUrl}#token=${encodeURIComponent(a.admin_token)}`,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await balancer.close();
      await stack[Symbol.asyncDispose]();
    },
  };
}
