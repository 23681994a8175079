import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentClient } from '@switchboard/client';
import type { Message } from '@switchboard/protocol';
import { sleep, startClusterConsole, waitFor } from '@switchboard/testing';
import type { Page } from 'playwright-core';
import { browserSuite } from './browser-suite.js';
import { connectedAgent } from './connected-agent.js';

/** What the test reaches in the page. */
interface PageGlobals {
  connectionTexts: string[];
  readonly document: { querySelector(selector: string): { readonly textContent: string | null } | null };
  readonly MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void };
}

/** The stored messages the widget shows (not the sends still waiting for their ack). */
const bodiesIn = (page: Page) => page.getByRole('log', { name: 'Messages' }).locator('li:not(.pending) .body').allTextContents();

/**
 * The widget on the e2e tests' cluster (two gateway nodes behind the balancer, the console served by
 * `npm run start:console` on an origin of its own): the node holding the customer's socket drains in the middle of
 * a conversation, while both sides keep writing. The widget says the server is restarting, reconnects through the
 * balancer to the other node, and shows every message exactly once; every message it sent is stored once.
 */
describe('widget - on the two-node cluster', () => {
  const suite = browserSuite(() => startClusterConsole({ gatewayEnv: { DRAIN_WINDOW_MS: '3000' } }));
  let agent: AgentClient;

  beforeAll(async () => {
    // The agent's socket is on a node that stays (the second one drains only if the widget is there).
    agent = await connectedAgent(suite.platform, suite.platform.stack.nodes[0]!.url);
  });
  afterAll(async () => {
    await agent?.close();
  });

  it('widget - a gateway drain during a conversation loses no message and shows none twice', async () => {
    // Chromium reports a socket the server closed, a send on it as it closes, or a reconnect refused while the node
    // shuts, as console errors.
    await using widget = await suite.browser.newPage({ viewport: { width: 420, height: 720 }, allowErrors: [/WebSocket connection to .* failed/, /WebSocket is already in CLOSING or CLOSED state/] });
    const { page } = widget;
    await page.goto(suite.platform.widgetUrl());
    await expect.poll(() => page.getByRole('status', { name: 'Connection' }).textContent(), { timeout: 15_000 }).toBe('Connected');
    // Every text the connection status shows, kept in the page.
    await page.evaluate(() => {
      // Runs in the page (the tests' own types have no DOM).
      const page = globalThis as unknown as PageGlobals;
      const status = page.document.querySelector('[aria-label="Connection"]')!;
      page.connectionTexts = [];
      new page.MutationObserver(() => page.connectionTexts.push(status.textContent ?? '')).observe(status, { childList: true, characterData: true, subtree: true });
    });
    await page.getByRole('textbox', { name: 'Message' }).fill('before the drain');
    await page.getByRole('button', { name: 'Send' }).click();
    const auth = { Authorization: `Bearer ${suite.platform.app.admin_token}` };
    const conversationId: string = await waitFor(async () => (await suite.platform.rest('GET', '/v1/conversations', auth)).body.data[0]?.id, {
      timeoutMs: 10_000,
      message: 'the conversation opened',
    });

    const sessions = await agent.sessions();
    const deviceId = (await suite.platform.rest('GET', `/v1/conversations/${conversationId}`, auth)).body.device_id;
    const nodeId = sessions.find((s) => s.device_id === deviceId)?.node_id;
    const drained = suite.platform.stack.nodes.find((_, i) => nodeId === `console-node-${i + 1}`);
    expect(drained, `the widget's node (${nodeId})`).toBeDefined();

    // Both sides write through the drain: the agent over REST, the customer in the widget.
    const agentBodies = Array.from({ length: 10 }, (_, i) => `agent ${i + 1}`);
    const customerBodies = Array.from({ length: 6 }, (_, i) => `customer ${i + 1}`);
    const agentWrites = (async () => {
      for (const body of agentBodies) {
        await suite.platform.agentSend(suite.platform.app, conversationId, body);
        await sleep(150);
      }
    })();
    drained!.signal('SIGTERM');
    for (const body of customerBodies) {
      await page.getByRole('textbox', { name: 'Message' }).fill(body);
      await page.keyboard.press('Enter');
      await sleep(300);
    }
    await agentWrites;
    expect(await drained!.exited).toBe(0);

    const expected = ['before the drain', ...agentBodies, ...customerBodies];
    await expect.poll(async () => (await bodiesIn(page)).sort(), { timeout: 20_000 }).toEqual([...expected].sort());
    await expect.poll(() => page.getByRole('status', { name: 'Connection' }).textContent(), { timeout: 15_000 }).toBe('Connected');
    const texts = await page.evaluate(() => (globalThis as unknown as PageGlobals).connectionTexts);
    expect(texts.some((text) => text.includes('restarting'))).toBe(true);
    await widget.screenshot('widget-after-drain');

    // Stored once each, in one conversation, and shown in seq order.
    const stored: Message[] = (await suite.platform.rest('GET', `/v1/conversations/${conversationId}/messages?limit=50`, auth)).body.data;
    expect(stored.map((m) => m.body).sort()).toEqual([...expected].sort());
    expect(await bodiesIn(page)).toEqual(stored.map((m) => m.body));
  }, 120_000);
});
