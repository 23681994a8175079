import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientLifecycleEvents, TokenError } from '@switchboard/client';
import type { AckError, CreatedApp, Message } from '@switchboard/protocol';
import { expiresIn, mintToken, waitFor, type IdentityKey } from '@switchboard/testing';
import { collect, sdkClients, settlesWithin, startSdkStack, type SdkStack } from './sdk-stack.js';

type Reconnecting = Parameters<ClientLifecycleEvents['reconnecting']>[0];

/**
 * Signed-in users and agents through the SDK against the real stack (CONTRACT.md, "Identity: signed user and agent
 * tokens"): tokens on REST and in the handshake, refreshed in band, and replaced after TOKEN_EXPIRED.
 */
describe('sdk: identity', () => {
  let stack: SdkStack;
  let app: CreatedApp;
  let key: IdentityKey;
  /** A token for `sub` whose `exp` is `expIn` seconds from now (negative: already past), as the app's backend signs it. */
  const userToken = (sub: string, expIn: number, claims: Record<string, unknown> = {}) => mintToken(key, sub, { claims: { ...expiresIn(expIn), ...claims } });
  const { chat, agentWithToken, closeAll } = sdkClients(() => stack, () => app);
  /** A backend that signs `sub` in with tokens living `lifetimeSeconds`, counting its calls. */
  const backend = (sub: string, lifetimeSeconds = 600) => {
    const calls = { count: 0 };
    return Object.assign(calls, {
      getToken: async () => {
        calls.count++;
        return userToken(sub, lifetimeSeconds);
      },
    });
  };

  beforeAll(async () => {
    stack = await startSdkStack();
    app = await stack.createApp('sdk-identity');
    key = await stack.createIdentityKey(app);
  }, 60_000);
  afterAll(async () => {
    closeAll();
    await stack?.[Symbol.asyncDispose]();
  });

  it('sdk identity - a signed-in user sees the conversation from two devices; an anonymous client and another user do not', async () => {
    const alice = backend('alice');
    const phone = chat('alice-phone', { getUserToken: alice.getToken }).connect();
    const conversation = await settlesWithin(phone.openConversation(), 5000, 'open over REST with X-User-Token');
    expect(conversation.user_id).toBe('alice');
    const fromPhone = await settlesWithin(phone.send(conversation.id, 'from the phone'), 5000, 'send from the phone');
    expect(fromPhone).toMatchObject({ sender: 'user', sender_id: 'alice' });

    const laptop = chat('alice-laptop', { getUserToken: alice.getToken }).connect();
    const received = collect<Message>();
    laptop.on('message:new', received.push);
    const latest = await settlesWithin(laptop.latestConversation(), 5000, 'latest conversation from the laptop');
    expect(latest?.id).toBe(conversation.id);
    // The laptop's socket acts as alice too (its handshake carried the token): it may join and hears the phone.
    await settlesWithin(laptop.join(conversation.id), 5000, 'join from the laptop');
    await settlesWithin(phone.send(conversation.id, 'phone again'), 5000, 'second send from the phone');
    await received.until((items) => items.some((m) => m.body === 'phone again'), 'the laptop hears the phone');
    const fromLaptop = await settlesWithin(laptop.send(conversation.id, 'from the laptop'), 5000, 'send from the laptop');
    expect(fromLaptop.sender_id).toBe('alice');

    // The same device without a token is anonymous: it sees none of alice's conversations.
    const anonymous = chat('alice-laptop');
    await expect(anonymous.latestConversation()).resolves.toBeNull();
    await expect(anonymous.conversation(conversation.id)).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    const bob = chat('bob-phone', { getUserToken: backend('bob').getToken });
    await expect(bob.conversation(conversation.id)).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    await expect(bob.latestConversation()).resolves.toBeNull();
    expect(alice.count).toBe(2); // one token per client, held while fresh
  });

  it('sdk identity - an agent signed in with agent tokens answers with its id and name', async () => {
    const alice = backend('alice-2');
    const device = chat('alice-2-phone', { getUserToken: alice.getToken }).connect();
    const conversation = await device.openConversation();
    const getAgentToken = () => userToken('agent-ada', 600, { role: 'agent', name: 'Ada' });
    const desk = agentWithToken(getAgentToken).connect();
    const listed = await settlesWithin(desk.conversations(), 5000, 'the agent lists over REST with its Bearer token');
    expect(listed.data.map((c) => c.id)).toContain(conversation.id);
    const answer = await settlesWithin(desk.send(conversation.id, 'Ada here'), 5000, 'agent send on /admin with agent_token');
    expect(answer).toMatchObject({ sender: 'agent', sender_id: 'agent-ada', sender_name: 'Ada' });
  });

  it('sdk identity - refreshed in band, a socket outlives its first token (exp + leeway); one that is not refreshed is expired', async () => {
    // The first token's exp passed 20 s ago: within the 30 s leeway the gateway takes it, and expires a socket that
    // keeps it within 15 s. The SDK refreshes a token past its exp at once, and the next ones (8 s) at half their life.
    const first = backend('carol', 8);
    let firstCall = true;
    const refreshing = chat('carol-phone', {
      getUserToken: async () => {
        if (!firstCall) return first.getToken();
        firstCall = false;
        return userToken('carol', -20);
      },
    });
    const stale = await userToken('carol', -20);
    const control = chat('carol-laptop', { getUserToken: () => stale }); // hands back the same token: cannot refresh
    const errors = collect<AckError>();
    const tokenErrors = collect<TokenError>();
    const disconnects = collect<string>();
    refreshing.on('error', errors.push);
    refreshing.on('token:error', tokenErrors.push);
    refreshing.on('disconnect', disconnects.push);
    const controlErrors = collect<AckError>();
    control.on('error', controlErrors.push);
    refreshing.connect();
    control.connect();
    // `connectionId` comes with the server's `connected` event, a moment after the socket is connected.
    await waitFor(() => refreshing.connected && refreshing.connectionId !== undefined && control.connected, {
      timeoutMs: 5000,
      message: 'both connected',
    });
    const connectionId = refreshing.connectionId;
    await controlErrors.until((items) => items.some((e) => e.code === 'TOKEN_EXPIRED'), 'the control socket is expired', 20_000);
    await new Promise((resolve) => setTimeout(resolve, 3000)); // past the control's expiry, with room
    expect(refreshing.connected).toBe(true);
    expect(refreshing.connectionId).toBe(connectionId);
    expect(disconnects.items).toEqual([]);
    expect(errors.items).toEqual([]);
    expect(tokenErrors.items).toEqual([]);
    expect(first.count).toBeGreaterThanOrEqual(3); // at once, then every ~4 s
    const conversation = await refreshing.openConversation();
    await expect(settlesWithin(refreshing.send(conversation.id, 'still here'), 5000, 'send after refreshes')).resolves.toMatchObject({ sender_id: 'carol' });
  }, 45_000);

  it('sdk identity - a token refused as expired at the handshake (connect_error) or on REST (401) is replaced; the queued send goes once', async () => {
    const helper = chat('erin-laptop', { getUserToken: backend('erin').getToken }).connect();
    const conversation = await helper.openConversation();
    await helper.join(conversation.id);
    const heard = collect<Message>();
    helper.on('message:new', heard.push);
    // Each of these clients gets a token whose exp passed 2 min ago first (beyond the leeway), then good ones.
    const expiredFirst = (sub: string) => {
      let calls = 0;
      return async () => userToken(sub, ++calls === 1 ? -120 : 600);
    };
    const phone = chat('erin-phone', { getUserToken: expiredFirst('erin') });
    const reconnects = collect<Reconnecting>();
    phone.on('reconnecting', reconnects.push);
    const queued = phone.send(conversation.id, 'queued before connect');
    phone.connect();
    const stored = await settlesWithin(queued, 10_000, 'the queued send');
    expect(stored.sender_id).toBe('erin');
    expect(reconnects.items.map((r) => r.cause.code)).toEqual(['TOKEN_EXPIRED']);
    await heard.until((items) => items.some((m) => m.id === stored.id), 'the other device hears it');

    const tablet = chat('erin-tablet', { getUserToken: expiredFirst('erin') });
    const page = await settlesWithin(tablet.messages(conversation.id), 5000, 'REST retried with a new token');
    expect(page.data.filter((m) => m.body === 'queued before connect')).toHaveLength(1);
    expect(heard.items.filter((m) => m.body === 'queued before connect')).toHaveLength(1);
  });

  it('sdk identity - a socket expired by the gateway (error TOKEN_EXPIRED) gets a new token and reconnects; a send queued meanwhile is stored once', async () => {
    const helper = chat('dave-laptop', { getUserToken: backend('dave').getToken }).connect();
    const conversation = await helper.openConversation();
    await helper.join(conversation.id);
    const heard = collect<Message>();
    helper.on('message:new', heard.push);
    // The first token's exp passed 20 s ago (the gateway takes it, within its leeway, and expires the socket within
    // 15 s), and the identity backend is down until then: the in-band refresh cannot happen.
    let backendUp = false;
    let calls = 0;
    const phone = chat('dave-phone', {
      getUserToken: async () => {
        calls++;
        if (calls === 1) return userToken('dave', -20);
        if (!backendUp) throw new Error('identity backend down');
        return userToken('dave', 600);
      },
    });
    const errors = collect<AckError>();
    const reconnects = collect<Reconnecting>();
    const tokenErrors = collect<TokenError>();
    phone.on('error', errors.push);
    phone.on('reconnecting', reconnects.push);
    phone.on('token:error', tokenErrors.push);
    let unauthorized = false;
    phone.on('unauthorized', () => (unauthorized = true));
    let queued: Promise<Message> | undefined;
    phone.on('disconnect', () => {
      queued ??= phone.send(conversation.id, 'queued while expired');
    });
    phone.connect();
    await waitFor(() => phone.connected, { timeoutMs: 5000, message: 'connected with the first token' });
    await errors.until((items) => items.some((e) => e.code === 'TOKEN_EXPIRED'), 'error TOKEN_EXPIRED from the gateway', 25_000);
    await waitFor(() => !phone.connected && queued !== undefined, { timeoutMs: 5000, message: 'disconnected, send queued' });
    await tokenErrors.until((items) => items.length > 0 && items.every((e) => e.code === 'TOKEN_UNAVAILABLE'), 'the failing callback is reported');
    expect(phone.state).not.toBe('closed');
    expect(phone.pendingSends.map((p) => p.body)).toEqual(['queued while expired']);
    backendUp = true;
    const stored = await settlesWithin(queued!, 10_000, 'the queued send');
    expect(stored.sender_id).toBe('dave');
    expect(phone.connected).toBe(true);
    expect(reconnects.items.map((r) => r.cause.code)).toContain('TOKEN_EXPIRED');
    expect(unauthorized).toBe(false);
    await heard.until((items) => items.some((m) => m.id === stored.id), 'the other device hears it');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(heard.items.filter((m) => m.body === 'queued while expired')).toHaveLength(1);
    const page = await helper.messages(conversation.id);
    expect(page.data.filter((m) => m.body === 'queued while expired')).toHaveLength(1);
  }, 45_000);
});
