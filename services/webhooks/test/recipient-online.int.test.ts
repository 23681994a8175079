import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appPath, WEBHOOK_PATHS, type CreatedApp } from '@switchboard/protocol';
import { mintToken, startStack, startWebhookReceiver, waitFor, type Stack, type WebhookReceiver } from '@switchboard/testing';

/**
 * `recipient_online` end to end: sockets on real gateway processes write presence to Redis, the webhooks service
 * process reads it when it delivers `message.created` (CONTRACT.md, "Webhooks").
 */
const GRACE_MS = 300;

describe('webhooks recipient_online through real gateways', () => {
  let stack: Stack;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    stack = await startStack({ nodes: 2, webhooks: true, gatewayEnv: { PRESENCE_GRACE_MS: String(GRACE_MS) } });
    receiver = await startWebhookReceiver();
  }, 120_000);
  afterAll(async () => {
    await receiver?.close();
    await stack?.[Symbol.asyncDispose]();
  });

  const appWithEndpoint = async (name: string) => {
    const app = await stack.createApp(name);
    const created = await stack.webhooksRest('POST', appPath(WEBHOOK_PATHS.webhooks, app.id), { url: receiver.url, events: ['message.created'] });
    expect(created.status).toBe(201);
    return app;
  };
  /** The `recipient_online` the receiver got for this message. */
  const recipientOnline = async (messageId: string): Promise<boolean> => {
    const find = () =>
      receiver.requests.map((r) => JSON.parse(r.body) as { type: string; data: { id: string; recipient_online: boolean } }).find((b) => b.type === 'message.created' && b.data.id === messageId);
    const body = await waitFor(find, { message: `the webhook of ${messageId}`, timeoutMs: 20_000 });
    return body.data.recipient_online;
  };
  const userSend = async (app: CreatedApp, deviceId: string, conversationId: string, body: string) => {
    const headers = { 'X-App-Id': app.id, 'X-Device-Id': deviceId, 'X-Api-Key': app.api_key };
    const response = await stack.rest('POST', `/v1/conversations/${conversationId}/messages`, headers, { body, local_id: randomBytes(8).toString('hex') });
    expect(response.status).toBe(201);
    return response.body.id as string;
  };
  const pastGrace = () => new Promise((resolve) => setTimeout(resolve, GRACE_MS * 3));

  it('recipient_online - an agent message: true while the device has a /client socket, false once it left', async () => {
    const app = await appWithEndpoint('ro-device');
    const conversation = await stack.openConversation(app, 'dev-ro');
    const device = await stack.connected(stack.client(stack.nodes[0]!.url, app, 'dev-ro'));
    expect(await recipientOnline((await stack.agentSend(app, conversation.id, 'you are here')).id)).toBe(true);

    device.close();
    await pastGrace();
    expect(await recipientOnline((await stack.agentSend(app, conversation.id, 'you left')).id)).toBe(false);
  }, 60_000);

  it('recipient_online - a user message: true while an agent has an /admin socket (on another node), false with no agent', async () => {
    const app = await appWithEndpoint('ro-agent');
    const conversation = await stack.openConversation(app, 'dev-user');
    expect(await recipientOnline(await userSend(app, 'dev-user', conversation.id, 'anyone?'))).toBe(false);

    const agent = await stack.connected(stack.admin(stack.nodes[1]!.url, app));
    expect(await recipientOnline(await userSend(app, 'dev-user', conversation.id, 'hello agent'))).toBe(true);

    agent.close();
    await pastGrace();
    expect(await recipientOnline(await userSend(app, 'dev-user', conversation.id, 'gone?'))).toBe(false);
  }, 60_000);

  it("recipient_online - a signed-in user's conversation: true while the user is online on another device", async () => {
    const app = await appWithEndpoint('ro-user');
    const key = await stack.addIdentityKey(app);
    const userToken = await mintToken(key, 'alice');
    // Opened from the phone with the user's token: the conversation is alice's; the phone never opens a socket.
    const opened = await stack.rest('POST', '/v1/conversations', { 'X-App-Id': app.id, 'X-Device-Id': 'alice-phone', 'X-Api-Key': app.api_key, 'X-User-Token': userToken });
    expect(opened.status).toBe(201);
    const conversationId = opened.body.id as string;
    expect(await recipientOnline((await stack.agentSend(app, conversationId, 'nobody home')).id)).toBe(false);

    const laptop = await stack.connected(stack.client(stack.nodes[1]!.url, app, 'alice-laptop', { userToken }));
    expect(await recipientOnline((await stack.agentSend(app, conversationId, 'on the laptop')).id)).toBe(true);

    laptop.close();
    await pastGrace();
    expect(await recipientOnline((await stack.agentSend(app, conversationId, 'laptop closed')).id)).toBe(false);
  }, 60_000);
});
