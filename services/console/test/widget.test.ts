import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentClient } from '@switchboard/client';
import type { Message, MessageStatusPayload, UserTypingPayload } from '@switchboard/protocol';
import { startEmbeddedConsole, waitFor } from '@switchboard/testing';
import type { Page } from 'playwright-core';
import { browserSuite } from './browser-suite.js';
import { connectedAgent } from './connected-agent.js';

/** The widget's log of messages, and one entry of it by its text. */
const messagesOf = (page: Page) => page.getByRole('log', { name: 'Messages' }).getByRole('listitem');
const entry = (page: Page, text: string) => messagesOf(page).filter({ hasText: text });

/**
 * The customer widget (`/console/widget.html?app_id=…&api_key=…`) against `npm start`, in Chromium, with an agent
 * on the SDK on the other side (the console's own pages are covered by its tests): a customer's first message opens
 * the conversation, the reply reaches the widget, typing goes both ways, read receipts both ways, and a reload
 * keeps the device and shows each message once.
 */
describe('widget - against npm start', () => {
  const suite = browserSuite(() => startEmbeddedConsole());
  let agent: AgentClient;
  const heard: Message[] = [];
  const statuses: MessageStatusPayload[] = [];
  const typing: UserTypingPayload[] = [];

  beforeAll(async () => {
    agent = await connectedAgent(suite.platform, suite.platform.gatewayUrl, (a) => {
      a.on('message:new', (m) => heard.push(m));
      a.on('message:status', (s) => statuses.push(s));
      a.on('user:typing', (t) => typing.push(t));
    });
  });
  afterAll(async () => {
    await agent?.close();
  });

  it('widget - first message, reply, typing both ways and read receipts both ways; a reload shows each message once', async () => {
    await using widget = await suite.browser.newPage({ viewport: { width: 420, height: 640 } });
    const { page } = widget;
    await page.goto(suite.platform.widgetUrl());
    await expect.poll(() => page.getByRole('status', { name: 'Connection' }).textContent(), { timeout: 15_000 }).toBe('Connected');
    const deviceId = await page.evaluate(() => Object.entries((globalThis as unknown as { localStorage: Record<string, string> }).localStorage).find(([key]) => key.startsWith('switchboard:widget:device:'))?.[1]);
    expect(deviceId).toMatch(/^web-/);

    // The customer writes: the agents hear it, from this device; the widget shows it sent.
    await page.getByRole('textbox', { name: 'Message' }).fill('Hello, my order has not arrived');
    await page.getByRole('button', { name: 'Send' }).click();
    const question = await waitFor(() => heard.find((m) => m.body === 'Hello, my order has not arrived'), { timeoutMs: 10_000, message: 'agent heard the customer' });
    expect(question.sender).toBe('user');
    const conversationId = question.conversation_id;
    const conversation = await suite.platform.rest('GET', `/v1/conversations/${conversationId}`, { Authorization: `Bearer ${suite.platform.app.admin_token}` });
    expect(conversation.body.device_id).toBe(deviceId);
    await expect.poll(() => entry(page, 'my order').textContent(), { timeout: 10_000 }).toContain('Sent');

    // The agents read it: the widget shows it read.
    await agent.join(conversationId);
    await agent.markRead(conversationId, question.id);
    await expect.poll(() => entry(page, 'my order').textContent(), { timeout: 10_000 }).toContain('Read');

    // Typing, both ways.
    agent.typing(conversationId);
    await expect.poll(() => page.getByRole('status', { name: 'Typing' }).textContent(), { timeout: 10_000 }).toBe('Support is typing…');
    await page.getByRole('textbox', { name: 'Message' }).pressSequentially('Any news', { delay: 20 });
    await waitFor(() => typing.find((t) => t.conversation_id === conversationId && t.is_typing && t.device_id === deviceId), {
      timeoutMs: 10_000,
      message: "the customer's typing reached the agent",
    });
    await page.getByRole('textbox', { name: 'Message' }).fill('');

    // The reply reaches the widget (and ends the agents' typing there); the widget reads it: the agents hear so.
    const reply = await agent.send(conversationId, 'Sorry about that! It ships today.');
    await expect.poll(() => entry(page, 'It ships today').textContent(), { timeout: 10_000 }).toContain('Support');
    await expect.poll(() => page.getByRole('status', { name: 'Typing' }).textContent(), { timeout: 10_000 }).toBe('');
    await waitFor(() => statuses.find((s) => s.conversation_id === conversationId && s.reader === 'user' && s.message_id === reply.id), {
      timeoutMs: 10_000,
      message: 'the widget marked the reply read',
    });
    const seen = await suite.platform.rest('GET', `/v1/conversations/${conversationId}/messages`, { Authorization: `Bearer ${suite.platform.app.admin_token}` });
    expect(seen.body.data.find((m: Message) => m.id === reply.id).status).toBe('read');
    await widget.screenshot('widget-conversation');

    // A reload: the same device, the same conversation, each message once.
    await page.reload();
    await expect.poll(() => page.getByRole('status', { name: 'Connection' }).textContent(), { timeout: 15_000 }).toBe('Connected');
    await expect.poll(() => messagesOf(page).count(), { timeout: 10_000 }).toBe(2);
    await page.waitForTimeout(500);
    expect(await messagesOf(page).count()).toBe(2);
    await page.getByRole('textbox', { name: 'Message' }).fill('Thanks!');
    await page.keyboard.press('Enter');
    const thanks = await waitFor(() => heard.find((m) => m.body === 'Thanks!'), { timeoutMs: 10_000, message: 'the second message' });
    expect(thanks.conversation_id).toBe(conversationId);
    await expect.poll(() => messagesOf(page).count(), { timeout: 10_000 }).toBe(3);
  }, 120_000);

  it('widget - without app_id and api_key it says what is missing', async () => {
    await using widget = await suite.browser.newPage();
    await widget.page.goto(`${suite.platform.consoleUrl}widget.html`);
    await expect.poll(() => widget.page.getByRole('alert').textContent(), { timeout: 10_000 }).toContain('app_id');
  }, 120_000);
});
