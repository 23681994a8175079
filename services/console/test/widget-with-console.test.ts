import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startEmbeddedConsole } from '@switchboard/testing';
import { browserSuite } from './browser-suite.js';

const connected = (page: Page) => page.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Connected' }).waitFor({ timeout: 20_000 });
const widgetEntry = (page: Page, text: string) => page.getByRole('log', { name: 'Messages' }).getByRole('listitem').filter({ hasText: text });

/**
 * Both pages in one browser against `npm start`, as a newcomer tries them: the customer writes in the widget, the
 * agent answers in the console (signed in with the printed one-click link), each sees the other type and read.
 */
describe('widget and console - both sides in the browser', () => {
  const suite = browserSuite(() => startEmbeddedConsole());

  it('widget and console - the reply typed in the console reaches the widget; typing and read receipts both ways', async () => {
    await using widget = await suite.browser.newPage({ viewport: { width: 420, height: 640 } });
    await widget.page.goto(suite.platform.widgetUrl());
    await connected(widget.page);
    await widget.page.getByRole('textbox', { name: 'Message' }).fill('Hi, is anyone there?');
    await widget.page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => widgetEntry(widget.page, 'anyone there').textContent(), { timeout: 10_000 }).toContain('Sent');
    const deviceId = await widget.page.evaluate(
      () => Object.entries((globalThis as unknown as { localStorage: Record<string, string> }).localStorage).find(([key]) => key.startsWith('switchboard:widget:device:'))?.[1],
    );

    await using agent = await suite.browser.newPage();
    await agent.page.goto(suite.platform.printedSignInLink);
    await connected(agent.page);
    const row = agent.page.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: new RegExp(deviceId!) });
    await row.filter({ hasText: '1 unread' }).waitFor({ timeout: 15_000 });
    await row.click();
    await agent.page.getByRole('log', { name: 'Messages' }).getByText('Hi, is anyone there?').waitFor();
    // Opened in the console, read: the widget says so.
    await expect.poll(() => widgetEntry(widget.page, 'anyone there').textContent(), { timeout: 10_000 }).toContain('Read');

    await agent.page.getByRole('textbox', { name: 'Message' }).pressSequentially('Yes! How can I help?', { delay: 20 });
    await expect.poll(() => widget.page.getByRole('status', { name: 'Typing' }).textContent(), { timeout: 10_000 }).toBe('Support is typing…');
    await agent.page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => widgetEntry(widget.page, 'How can I help').count(), { timeout: 10_000 }).toBe(1);
    await widget.page.getByRole('textbox', { name: 'Message' }).pressSequentially('My order', { delay: 20 });
    await agent.page.getByRole('status', { name: 'Customer typing' }).filter({ hasText: 'Customer is typing' }).waitFor({ timeout: 10_000 });
    // The widget read the reply: the console shows it read.
    await agent.page.getByRole('log', { name: 'Messages' }).getByRole('listitem').filter({ hasText: 'How can I help' }).filter({ has: agent.page.getByText('Read', { exact: true }) }).waitFor({ timeout: 10_000 });
    await widget.screenshot('both-sides-widget');
    await agent.screenshot('both-sides-console');
  }, 120_000);
});
