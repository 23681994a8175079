import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient } from '@switchboard/client';
import type { CreatedApp, Message } from '@switchboard/protocol';
import { sleep, waitFor } from '@switchboard/testing';
import { startSdkStack, type SdkStack } from './sdk-stack.js';

/** Recovery from a messages-service outage: queued sends must not wait long once it is back. */
describe('sdk: recovery', () => {
  let stack: SdkStack;
  let app: CreatedApp;
  let device: ChatClient | undefined;

  beforeAll(async () => {
    stack = await startSdkStack();
    app = await stack.createApp('sdk-recovery');
  }, 60_000);
  afterAll(async () => {
    device?.close();
    await stack?.[Symbol.asyncDispose]();
  });

  it('sdk - with the messages service down ~8 s, the oldest queued send is stored within 3 s and all within 5 s of it being ready', async () => {
    const first = await stack.openConversation(app, 'recovering');
    const second = await stack.openConversation(app, 'recovering');
    device = new ChatClient({ url: stack.gatewayUrl, apiUrl: stack.apiUrl, appId: app.id, deviceId: 'recovering', apiKey: app.api_key });
    device.connect();
    await waitFor(() => device!.connected, { message: 'connected' });

    await stack.killMessages();
    const storedAt = new Map<string, number>();
    const sends: Promise<Message>[] = [];
    const queue = (conversationId: string, body: string) =>
      sends.push(device!.send(conversationId, body).then((m) => (storedAt.set(body, Date.now()), m)));
    queue(first.id, 'oldest');
    for (let i = 1; i <= 4; i++) queue(first.id, `then ${i}`);
    queue(second.id, 'elsewhere');
    // The socket stays up while the service is gone: every send is answered UNAVAILABLE, and retried.
    await sleep(8000);
    expect(device.connected).toBe(true);
    expect(storedAt.size).toBe(0);

    const readyAt = await stack.restartMessages();
    const stored = await Promise.all(sends);
    const oldestAfter = storedAt.get('oldest')! - readyAt;
    const allAfter = Math.max(...storedAt.values()) - readyAt;
    expect(oldestAfter).toBeLessThanOrEqual(3000);
    expect(allAfter).toBeLessThanOrEqual(5000);
    // In order within a conversation, each stored once.
    expect(stored.filter((m) => m.conversation_id === first.id).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
  }, 60_000);
});
