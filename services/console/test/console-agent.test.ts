import { afterAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ChatClient } from '@switchboard/client';
import type { Message } from '@switchboard/protocol';
import { mintToken, startClusterConsole, waitFor } from '@switchboard/testing';
import { browserSuite } from './browser-suite.js';

/** What the tests reach in the page (their own types have no DOM). */
interface PageGlobals {
  bannerTexts: string[];
  readonly document: {
    querySelector(selector: string): PageElement | null;
    querySelectorAll(selector: string): ArrayLike<PageElement>;
  };
  readonly MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void };
  readonly sessionStorage: Record<string, string>;
  requestAnimationFrame(callback: () => void): void;
}
interface PageElement {
  readonly textContent: string | null;
  click(): void;
}

/**
 * The agent console in Chromium against the e2e cluster (two gateway nodes behind a balancer), with customers on
 * the SDK: sign-in, the inbox, a conversation both ways, the workflow, scroll-back, sessions, reloads and drains.
 */
describe('console - agent side on the cluster', () => {
  const suite = browserSuite(() => startClusterConsole({ gatewayEnv: { DRAIN_WINDOW_MS: '2000', PRESENCE_GRACE_MS: '500' } }));
  const customers: ChatClient[] = [];

  afterAll(async () => {
    for (const customer of customers) await customer.close();
  });

  const customer = (deviceId: string) => {
    const chat = new ChatClient({
      url: suite.platform.balancer.url,
      apiUrl: suite.platform.apiUrl,
      appId: suite.platform.app.id,
      deviceId,
      apiKey: suite.platform.app.api_key,
    }).connect();
    customers.push(chat);
    return chat;
  };

  const asAgent = () => ({ Authorization: `Bearer ${suite.platform.app.admin_token}` });
  const restConversation = async (id: string) => (await suite.platform.stack.rest('GET', `/v1/conversations/${id}`, asAgent())).body;
  const restMessages = async (id: string) => {
    const all: Message[] = [];
    let page = (await suite.platform.stack.rest('GET', `/v1/conversations/${id}/messages?limit=200`, asAgent())).body;
    all.push(...page.data);
    while (page.has_more) {
      page = (await suite.platform.stack.rest('GET', `/v1/conversations/${id}/messages?limit=200&before=${all[0]!.id}`, asAgent())).body;
      all.unshift(...page.data);
    }
    return all;
  };
  /** The bodies in the open conversation's log, in the order shown. */
  const shownBodies = (page: Page) => page.getByRole('log', { name: 'Messages' }).locator('li .body').allTextContents();
  const signedIn = async (page: Page) => {
    await page.goto(suite.platform.signInUrl());
    await page.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Connected' }).waitFor();
  };

  const row = (page: Page, deviceId: string) => page.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: new RegExp(deviceId) });

  it('console - a customer message reaches the inbox with an unread count; reply, typing and read receipt both ways', async () => {
    await using tab = await suite.browser.newPage();
    const { page } = tab;
    await page.goto(suite.platform.signInUrl());
    await expect.poll(() => page.url()).not.toContain('#token');
    await page.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Connected' }).waitFor();

    const chat = customer('device-alpha');
    const conversation = await chat.openConversation();
    await chat.join(conversation.id);
    await chat.send(conversation.id, 'Hello, my order is late');
    await chat.send(conversation.id, 'Order 1234');
    await row(page, 'device-alpha').filter({ hasText: '2 unread' }).waitFor();
    await row(page, 'device-alpha').filter({ hasText: 'online' }).waitFor();
    await tab.screenshot('inbox-unread');

    await row(page, 'device-alpha').click();
    const log = page.getByRole('log', { name: 'Messages' });
    await log.getByText('Order 1234').waitFor();
    await row(page, 'device-alpha').filter({ hasNotText: 'unread' }).waitFor();

    const agentTyping: boolean[] = [];
    chat.on('agent:typing', ({ is_typing }) => agentTyping.push(is_typing));
    chat.typing(conversation.id);
    await page.getByRole('status', { name: 'Customer typing' }).filter({ hasText: 'Customer is typing' }).waitFor();

    const replies: Message[] = [];
    chat.on('message:new', (m) => m.sender === 'agent' && replies.push(m));
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.pressSequentially('On its way', { delay: 20 });
    await waitFor(() => agentTyping.includes(true), { message: 'the customer saw the agent typing' });
    await page.getByRole('button', { name: 'Send' }).click();
    await waitFor(() => replies.some((m) => m.body === 'On its way'), { message: 'the reply reached the customer' });

    await chat.markRead(conversation.id, replies[0]!.id);
    await log.getByRole('listitem').filter({ hasText: 'On its way' }).filter({ has: page.getByText('Read', { exact: true }) }).waitFor();
    await tab.screenshot('conversation');
  }, 60_000);

  it('console - close and reopen, checked over REST; the filters follow', async () => {
    await using tab = await suite.browser.newPage();
    const { page } = tab;
    await signedIn(page);
    const chat = customer('device-close');
    const conversation = await chat.openConversation();
    await chat.send(conversation.id, 'Please close this');
    await row(page, 'device-close').click();
    await page.getByRole('log', { name: 'Messages' }).getByText('Please close this').waitFor();

    await page.getByRole('group', { name: 'Conversation actions' }).getByRole('button', { name: 'Close' }).click();
    await expect.poll(async () => (await restConversation(conversation.id)).status).toBe('closed');
    await row(page, 'device-close').waitFor({ state: 'detached' }); // the Open filter no longer holds it
    await page.getByRole('radio', { name: 'Closed' }).check();
    await row(page, 'device-close').waitFor();

    await page.getByRole('group', { name: 'Conversation actions' }).getByRole('button', { name: 'Reopen' }).click();
    await expect.poll(async () => (await restConversation(conversation.id)).status).toBe('open');
    await row(page, 'device-close').waitFor({ state: 'detached' });
    await page.getByRole('radio', { name: 'Open' }).check();
    await row(page, 'device-close').waitFor();

    await page.getByRole('group', { name: 'Conversation actions' }).getByRole('button', { name: 'Snooze 1 hour' }).click();
    await expect.poll(async () => (await restConversation(conversation.id)).status).toBe('snoozed');
    await page.getByRole('radio', { name: 'Snoozed' }).check();
    await row(page, 'device-close').filter({ hasText: 'snoozed' }).waitFor();
    await page.getByRole('group', { name: 'Conversation actions' }).getByRole('button', { name: 'Reopen' }).click();
    await expect.poll(async () => (await restConversation(conversation.id)).status).toBe('open');
  }, 60_000);

  it('console - scroll-back reaches the first of 60 messages, each once', async () => {
    const chat = customer('device-history');
    const conversation = await chat.openConversation();
    for (let i = 1; i <= 60; i++) await chat.send(conversation.id, `history ${i}`);
    await using tab = await suite.browser.newPage();
    const { page } = tab;
    await signedIn(page);
    await row(page, 'device-history').click();
    const log = page.getByRole('log', { name: 'Messages' });
    await log.getByText('history 60', { exact: true }).waitFor();
    expect((await shownBodies(page)).length).toBeLessThan(60); // one page, not the whole history
    // Scroll to the top, as a reader would, until the start of the conversation shows.
    const start = page.getByText('Start of the conversation');
    await waitFor(
      async () => {
        await page.locator('.timeline').evaluate((box) => box.scrollTo(0, 0));
        return start.isVisible();
      },
      { timeoutMs: 20_000, message: 'scrolled back to the start' },
    );
    await log.getByText('history 1', { exact: true }).waitFor();
    expect(await shownBodies(page)).toEqual(Array.from({ length: 60 }, (_, i) => `history ${i + 1}`));
    await tab.screenshot('scroll-back');
  }, 90_000);

  it('console - live sessions and presence, online then offline', async () => {
    await using tab = await suite.browser.newPage();
    const { page } = tab;
    await signedIn(page);
    const chat = customer('device-presence');
    const conversation = await chat.openConversation();
    await chat.send(conversation.id, 'Are you there?');
    await row(page, 'device-presence').filter({ hasText: 'online' }).waitFor();

    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: /Live sessions/ }).click();
    const sessions = page.getByRole('table', { name: /live session/ });
    const sessionRow = sessions.getByRole('row').filter({ hasText: 'device-presence' });
    await sessionRow.waitFor();
    await expect.poll(() => sessionRow.textContent()).toMatch(/node-[12]/);
    await tab.screenshot('sessions');

    await chat.close();
    await sessionRow.waitFor({ state: 'detached' });
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Inbox' }).click();
    await row(page, 'device-presence').filter({ hasText: 'offline' }).waitFor();
  }, 60_000);

  it('console - a reload keeps the agent signed in and shows each message once', async () => {
    const chat = customer('device-reload');
    const conversation = await chat.openConversation();
    await chat.join(conversation.id);
    for (const body of ['one', 'two', 'three']) await chat.send(conversation.id, body);
    await using tab = await suite.browser.newPage();
    const { page } = tab;
    await signedIn(page);
    await row(page, 'device-reload').click();
    await page.getByRole('log', { name: 'Messages' }).getByText('three').waitFor();
    await page.getByRole('textbox', { name: 'Message' }).fill('agent answer');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('log', { name: 'Messages' }).getByRole('listitem').filter({ hasText: 'agent answer' }).filter({ has: page.getByText('Sent', { exact: true }) }).waitFor();

    await page.reload();
    expect(page.url()).not.toContain('token');
    await page.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Connected' }).waitFor();
    await chat.send(conversation.id, 'four');
    await page.getByRole('log', { name: 'Messages' }).getByText('four').waitFor(); // the open conversation came back
    const expected = (await restMessages(conversation.id)).map((m) => m.body);
    expect(expected).toEqual(['one', 'two', 'three', 'agent answer', 'four']);
    await expect.poll(() => shownBodies(page)).toEqual(expected);
  }, 60_000);

  it('console - a reply written while offline is queued and sent once on reconnect', async () => {
    const chat = customer('device-offline');
    const conversation = await chat.openConversation();
    await chat.join(conversation.id);
    await chat.send(conversation.id, 'Anyone?');
    await using tab = await suite.browser.newPage({ allowErrors: [/WebSocket connection to .* failed/, /WebSocket is already in CLOSING or CLOSED state/] });
    const { page } = tab;
    await signedIn(page);
    await row(page, 'device-offline').click();
    await page.getByRole('log', { name: 'Messages' }).getByText('Anyone?').waitFor();

    suite.platform.balancer.block();
    try {
      await page.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Reconnecting' }).waitFor();
      await page.getByRole('textbox', { name: 'Message' }).fill('written offline');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.getByRole('log', { name: 'Messages' }).getByRole('listitem').filter({ hasText: 'written offline' }).filter({ hasText: 'Waiting for the connection' }).waitFor();
      await tab.screenshot('offline-queued');
    } finally {
      suite.platform.balancer.unblock();
    }
    await page.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Connected' }).waitFor({ timeout: 40_000 });
    await page.getByRole('log', { name: 'Messages' }).getByRole('listitem').filter({ hasText: 'written offline' }).filter({ has: page.getByText('Sent', { exact: true }) }).waitFor();
    const bodies = ['Anyone?', 'written offline'];
    await expect.poll(async () => (await restMessages(conversation.id)).map((m) => m.body)).toEqual(bodies); // stored once
    await expect.poll(() => shownBodies(page)).toEqual(bodies);
  }, 90_000);

  it('console - signs in with an agent token: "Mine", assign to me; a refused token says why', async () => {
    const key = await suite.platform.stack.addIdentityKey(suite.platform.app);
    const token = await mintToken(key, 'agent-ada', { claims: { role: 'agent', name: 'Ada' } });
    const chat = customer('device-assign');
    const conversation = await chat.openConversation();
    await chat.send(conversation.id, 'Who will help me?');

    // The refused admin token's first REST call is answered 401, which Chromium logs.
    await using tab = await suite.browser.newPage({ allowErrors: [/status of 401/] });
    const { page } = tab;
    await page.goto(suite.platform.consoleUrl);
    await page.getByLabel('Agent or admin token').fill('not a token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'cannot sign in' }).waitFor();
    await page.getByLabel('Agent or admin token').fill(`sba.${suite.platform.app.id}.wrong-secret`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'INVALID_CREDENTIALS' }).waitFor();

    await page.getByLabel('Agent or admin token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('signed in with Ada').waitFor();
    await row(page, 'device-assign').click();
    await page.getByRole('group', { name: 'Conversation actions' }).getByRole('button', { name: 'Assign to me' }).click();
    await expect.poll(async () => (await restConversation(conversation.id)).assignee_id).toBe('agent-ada');
    await page.getByRole('radio', { name: 'Mine' }).check();
    await row(page, 'device-assign').filter({ hasText: 'assigned to agent-ada' }).waitFor();
    await page.getByRole('radio', { name: 'Unassigned' }).check();
    await row(page, 'device-assign').waitFor({ state: 'detached' });
    await page.getByRole('radio', { name: 'Everyone' }).check();
    await page.getByRole('group', { name: 'Conversation actions' }).getByRole('button', { name: 'Unassign' }).click();
    await expect.poll(async () => (await restConversation(conversation.id)).assignee_id).toBeNull();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Agent or admin token').waitFor();
    const kept = await page.evaluate(() => Object.keys((globalThis as unknown as PageGlobals).sessionStorage));
    expect(kept.filter((key) => key.startsWith('switchboard-console:'))).toEqual([]);
  }, 60_000);

  it('console - 500 conversations: paged inbox, every row reachable, live updates still immediate', async () => {
    const app = await suite.platform.stack.createApp('inbox-500');
    const device = (i: number) => ({ 'X-App-Id': app.id, 'X-Device-Id': `bulk-${String(i).padStart(3, '0')}`, 'X-Api-Key': app.api_key });
    const ids: string[] = [];
    for (let start = 0; start < 500; start += 20) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, async (_, k) => {
          const created = await suite.platform.stack.rest('POST', '/v1/conversations', device(start + k));
          await suite.platform.stack.rest('POST', `/v1/conversations/${created.body.id}/messages`, device(start + k), { body: `hello ${start + k}`, local_id: 'first' });
          return created.body.id as string;
        }),
      );
      ids.push(...batch);
    }
    // The same ten pages over REST from here, for scale: what the server takes, without the suite.browser.
    const restStart = performance.now();
    for (let cursor: string | null = null, pages = 0; pages === 0 || cursor !== null; pages++) {
      const query: string = `/v1/conversations?status=open&limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      cursor = (await suite.platform.stack.rest('GET', query, { Authorization: `Bearer ${app.admin_token}` })).body.next_cursor;
    }
    const restMs = performance.now() - restStart;

    await using tab = await suite.browser.newPage();
    const { page } = tab;
    const list = page.getByRole('list', { name: 'Conversations' });
    const opened = performance.now();
    await page.goto(suite.platform.signInUrl(app));
    await list.getByRole('listitem').nth(49).waitFor();
    const firstPageMs = performance.now() - opened;
    expect(await list.getByRole('listitem').count()).toBe(50);

    // Timed in the page (click to rows rendered), so the driver's own round trips do not count.
    const pageTimes: number[] = [];
    const more = page.getByRole('button', { name: 'Load more conversations' });
    while (await more.isVisible()) {
      pageTimes.push(
        await page.evaluate(async () => {
          const page = globalThis as unknown as PageGlobals;
          const rows = () => page.document.querySelectorAll('ul[aria-label="Conversations"] > li').length;
          const before = rows();
          const started = performance.now();
          Array.from(page.document.querySelectorAll('button')).find((b) => b.textContent === 'Load more conversations')!.click();
          while (rows() === before) await new Promise<void>((resolve) => page.requestAnimationFrame(resolve));
          return performance.now() - started;
        }),
      );
      await page.getByRole('button', { name: 'Load more conversations' }).or(page.getByText('500 conversations')).waitFor();
    }
    const allPagesMs = pageTimes.reduce((a, b) => a + b, 0);
    expect(await list.getByRole('listitem').count()).toBe(500);
    await page.getByText('500 conversations').waitFor();

    // The oldest conversation gets a message: it moves to the top with its unread count.
    const heard = performance.now();
    await suite.platform.stack.rest('POST', `/v1/conversations/${ids[0]}/messages`, device(0), { body: 'still there?', local_id: 'second' });
    await list.getByRole('listitem').first().filter({ hasText: 'bulk-000' }).filter({ hasText: '2 unread' }).waitFor();
    const liveMs = performance.now() - heard;

    // Timed in the page: from the click to the history shown and the row's unread count gone.
    const openMs = await page.evaluate(async () => {
      const page = globalThis as unknown as PageGlobals;
      const row = Array.from(page.document.querySelectorAll('ul[aria-label="Conversations"] button')).find((b) => b.textContent?.includes('bulk-000'))!;
      const started = performance.now();
      row.click();
      const shown = () => page.document.querySelector('[role="log"]')?.textContent?.includes('still there?') && !row.textContent?.includes('unread');
      while (!shown()) await new Promise<void>((resolve) => page.requestAnimationFrame(resolve));
      return performance.now() - started;
    });
    await page.getByRole('log', { name: 'Messages' }).getByText('still there?').waitFor();
    const heap = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0);
    process.stdout.write(
      `console inbox, 500 conversations (REST alone, 10 pages: ${restMs.toFixed(0)} ms): first page ${firstPageMs.toFixed(0)} ms, ${pageTimes.length} more pages ${allPagesMs.toFixed(0)} ms (slowest ${Math.max(...pageTimes).toFixed(0)} ms), ` +
        `a message to the last row on top ${liveMs.toFixed(0)} ms, opened and read ${openMs.toFixed(0)} ms, JS heap ${(heap / 1048576).toFixed(1)} MiB\n`,
    );
    await tab.screenshot('inbox-500');
  }, 180_000);

  // Last: the drained node stays down for the rest of the file.
  it('console - a gateway drain is shown, and no message is lost across it', async () => {
    const chat = customer('device-drain');
    const conversation = await chat.openConversation();
    await chat.join(conversation.id);
    await chat.send(conversation.id, 'before the drain');
    await using tab = await suite.browser.newPage({ allowErrors: [/WebSocket connection to .* failed/, /WebSocket is already in CLOSING or CLOSED state/] });
    const { page } = tab;
    const before = new Map(suite.platform.balancer.accepted);
    await signedIn(page);
    const consoleNode = [...suite.platform.balancer.accepted].find(([port, count]) => count > (before.get(port) ?? 0))?.[0];
    const node = suite.platform.stack.nodes.find((n) => n.port === consoleNode);
    if (!node) throw new Error('the console connection was not seen at the balancer');
    await row(page, 'device-drain').click();
    await page.getByRole('log', { name: 'Messages' }).getByText('before the drain').waitFor();
    // Every text the banner shows, as it shows it.
    await page.evaluate(() => {
      const page = globalThis as unknown as PageGlobals;
      const banner = page.document.querySelector('[aria-label="Connection"]')!;
      const seen: string[] = (page.bannerTexts = []);
      new page.MutationObserver(() => seen.push(banner.textContent ?? '')).observe(banner, { childList: true, characterData: true, subtree: true });
    });

    node.signal('SIGTERM');
    const during = ['during the drain 1', 'during the drain 2', 'during the drain 3'];
    for (const body of during) await chat.send(conversation.id, body);
    await node.exited;
    await chat.send(conversation.id, 'after the drain');
    await page.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    const texts = await page.evaluate(() => (globalThis as unknown as PageGlobals).bannerTexts);
    expect(texts.some((t) => t.startsWith('The server is restarting'))).toBe(true);
    const expected = ['before the drain', ...during, 'after the drain'];
    await expect.poll(() => shownBodies(page), { timeout: 15_000 }).toEqual(expected);
    expect((await restMessages(conversation.id)).map((m) => m.body)).toEqual(expected);
  }, 90_000);
});
