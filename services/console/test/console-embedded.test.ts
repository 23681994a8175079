import { describe, expect, it } from 'vitest';
import type { Message } from '@switchboard/protocol';
import { startEmbeddedConsole } from '@switchboard/testing';
import { browserSuite } from './browser-suite.js';

/**
 * The agent console against `npm start`'s one process, as a newcomer meets it: the printed one-click link signs the
 * console in to the demo app, and the customer is the widget page in a second tab (both sides in one browser).
 */
describe('console - against npm start, with the widget as the customer', () => {
  const suite = browserSuite(() => startEmbeddedConsole({ env: { PRESENCE_GRACE_MS: '500' } }));

  it('console - the printed link signs in; the widget customer reaches the inbox, both sides type, reply and read', async () => {
    await using agentTab = await suite.browser.newPage();
    const agentPage = agentTab.page;
    await agentPage.goto(suite.platform.printedSignInLink);
    await agentPage.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Connected' }).waitFor();
    expect(agentPage.url()).not.toContain('token'); // taken out of the address bar at once
    await agentPage.getByText(`App ${suite.platform.app.id}`).waitFor();
    await agentTab.screenshot('console-signed-in');

    await using widgetTab = await suite.browser.newPage({ viewport: { width: 420, height: 640 } });
    const widget = widgetTab.page;
    await widget.goto(suite.platform.widgetUrl());
    await widget.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Connected' }).waitFor();
    await widget.getByRole('textbox', { name: 'Message' }).fill('Hi, is anyone there?');
    await widget.getByRole('button', { name: 'Send' }).click();

    // The inbox: the widget's device, online, with an unread message.
    const rows = agentPage.getByRole('list', { name: 'Conversations' }).getByRole('button');
    const row = rows.filter({ hasText: /web-/ }).first();
    await row.filter({ hasText: '1 unread' }).filter({ hasText: 'online' }).waitFor();
    await row.click();
    const log = agentPage.getByRole('log', { name: 'Messages' });
    await log.getByText('Hi, is anyone there?').waitFor();
    await row.filter({ hasNotText: 'unread' }).waitFor();
    // The agents read it: the widget shows its message read.
    await widget.getByRole('log', { name: 'Messages' }).getByRole('listitem').filter({ hasText: 'anyone there' }).filter({ hasText: 'Read' }).waitFor();

    // Typing both ways.
    await widget.getByRole('textbox', { name: 'Message' }).pressSequentially('My order', { delay: 30 });
    await agentPage.getByRole('status', { name: 'Customer typing' }).filter({ hasText: 'Customer is typing' }).waitFor();
    await agentPage.getByRole('textbox', { name: 'Message' }).pressSequentially('Hello! Let me look', { delay: 30 });
    await widget.getByRole('status', { name: 'Typing' }).filter({ hasText: 'Support is typing' }).waitFor();

    // The reply reaches the widget, which reads it: the console shows the receipt.
    await agentPage.getByRole('button', { name: 'Send' }).click();
    await widget.getByRole('log', { name: 'Messages' }).getByText('Hello! Let me look').waitFor();
    await log.getByRole('listitem').filter({ hasText: 'Hello! Let me look' }).filter({ has: agentPage.getByText('Read', { exact: true }) }).waitFor();
    await agentTab.screenshot('console-conversation');

    // Stored once each, as both pages show them.
    const auth = { Authorization: `Bearer ${suite.platform.app.admin_token}` };
    const conversations = (await suite.platform.rest('GET', '/v1/conversations', auth)).body.data;
    const stored: Message[] = (await suite.platform.rest('GET', `/v1/conversations/${conversations[0].id}/messages`, auth)).body.data;
    expect(stored.map((m) => m.body)).toEqual(['Hi, is anyone there?', 'Hello! Let me look']);
    await expect.poll(() => log.locator('li .body').allTextContents()).toEqual(['Hi, is anyone there?', 'Hello! Let me look']);

    // The customer leaves: the console shows the device offline.
    await widgetTab.close();
    await row.filter({ hasText: 'offline' }).waitFor();
  }, 90_000);
});
