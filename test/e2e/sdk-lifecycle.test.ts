import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { AgentClient, ChatClient, SendError, type ConnectionCause } from '@switchboard/client';
import type { CreatedApp, Message } from '@switchboard/protocol';
import { freePort, sleep, startTcpBalancer, waitFor } from '@switchboard/testing';
import { collect, sdkClients, settlesWithin, startSdkStack, type SdkStack } from './sdk-stack.js';

/** The SDK's lifecycle against a real gateway: every promise settles, refusals stop it, it goes and comes back. */
describe('sdk: lifecycle', () => {
  let stack: SdkStack;
  let app: CreatedApp;
  const { chat, agent, track, closeAll } = sdkClients(() => stack, () => app);

  beforeAll(async () => {
    stack = await startSdkStack();
    app = await stack.createApp('sdk-lifecycle');
  }, 60_000);
  afterAll(async () => {
    closeAll();
    await stack?.[Symbol.asyncDispose]();
  });

  it('sdk - an oversized send is refused before sending (VALIDATION_FAILED) and the next send goes through', async () => {
    const device = chat('big-sender');
    const disconnects = collect<string>();
    device.on('disconnect', disconnects.push);
    const conversation = await stack.openConversation(app, 'big-sender');
    device.connect();
    await waitFor(() => device.connected, { message: 'connected' });
    const oversized = settlesWithin(device.send(conversation.id, 'x'.repeat(70_000)), 3000, 'oversized send');
    await expect(oversized).rejects.toBeInstanceOf(SendError);
    await expect(oversized).rejects.toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ path: 'body' }] });
    const next = await settlesWithin(device.send(conversation.id, 'small'), 5000, 'next send');
    expect(next.body).toBe('small');
    await expect(device.send(conversation.id, '   ')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(device.send(conversation.id, 'ok', { localId: 'bad local id' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(device.pendingSends).toEqual([]);
    expect(disconnects.items).toEqual([]);
  });

  it('sdk - a send the server refuses fails alone and does not hold up the next one', async () => {
    const device = chat('refused-sender');
    const failed = collect<SendError>();
    device.on('send:failed', failed.push);
    const own = await stack.openConversation(app, 'refused-sender');
    const someoneElses = await stack.openConversation(app, 'another-device');
    device.connect();
    const refused = settlesWithin(device.send(someoneElses.id, 'not yours'), 5000, 'refused send');
    const fine = settlesWithin(device.send(own.id, 'mine'), 5000, 'own send');
    await expect(refused).rejects.toMatchObject({ code: expect.stringMatching(/^(NOT_FOUND|FORBIDDEN)$/) });
    expect((await fine).body).toBe('mine');
    expect(failed.items.map((e) => e.conversationId)).toEqual([someoneElses.id]);
  });

  it('sdk - send() after close() rejects with CLIENT_CLOSED; close() rejects what was pending', async () => {
    const conversation = await stack.openConversation(app, 'closer');
    const offline = chat('closer'); // never connected: the send waits in the queue
    const pending = offline.send(conversation.id, 'never sent');
    await sleep(20);
    offline.close();
    await expect(settlesWithin(pending, 2000, 'pending send')).rejects.toMatchObject({ code: 'CLIENT_CLOSED', kept: false });
    await expect(settlesWithin(offline.send(conversation.id, 'after close'), 2000, 'send after close')).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    expect(offline.state).toBe('closed');
  });

  it('sdk - join() and sessions() waiting offline settle on close(), and reject after it', async () => {
    const conversation = await stack.openConversation(app, 'joiner');
    const device = chat('joiner'); // never connected: the join waits
    const desk = agent();
    const joining = device.join(conversation.id);
    const listing = desk.sessions();
    joining.catch(() => {}); // checked below
    listing.catch(() => {});
    device.close();
    desk.close();
    await expect(settlesWithin(joining, 2000, 'join')).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    await expect(settlesWithin(listing, 2000, 'sessions')).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    await expect(settlesWithin(device.join(conversation.id), 2000, 'join after close')).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
  });

  it('sdk - refused credentials stop retrying, emit unauthorized with the code, and sends reject', async () => {
    const device = chat('wrong-key', { apiKey: 'sbk_wrong' });
    const unauthorized = collect<{ code: string }>();
    const reconnecting = collect<unknown>();
    device.on('unauthorized', unauthorized.push);
    device.on('reconnecting', reconnecting.push);
    const conversation = await stack.openConversation(app, 'wrong-key');
    const pending = device.send(conversation.id, 'queued before the refusal');
    pending.catch(() => {}); // checked below
    device.connect();
    await unauthorized.until((items) => items.length === 1, 'unauthorized');
    expect(unauthorized.items[0]!.code).toBe('INVALID_CREDENTIALS');
    await expect(settlesWithin(pending, 2000, 'queued send')).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    await expect(settlesWithin(device.send(conversation.id, 'after'), 2000, 'send after unauthorized')).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    await sleep(300);
    expect(reconnecting.items).toEqual([]);
    expect(device.state).toBe('closed');
  });

  it('sdk - a transport the gateway does not serve fails for good (failed), not reconnecting forever', async () => {
    const device = chat('polling-device', { transports: ['polling'] });
    const failed = collect<ConnectionCause>();
    device.on('failed', failed.push);
    const pending = device.send((await stack.openConversation(app, 'polling-device')).id, 'x');
    pending.catch(() => {}); // checked below
    device.connect();
    await failed.until((items) => items.length === 1, 'failed', 5000);
    expect(failed.items[0]).toMatchObject({ code: 'TRANSPORT_ERROR', status: 400 });
    await expect(settlesWithin(pending, 2000, 'queued send')).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
    expect(device.state).toBe('closed');
  });

  it('sdk - reconnecting carries the cause of the last failure', async () => {
    const port = await freePort(); // nothing listens there
    const device = chat('nowhere', { url: `http://127.0.0.1:${port}` });
    const reconnecting = collect<{ attempt: number; cause: ConnectionCause }>();
    device.on('reconnecting', reconnecting.push);
    device.connect();
    await reconnecting.until((items) => items.length >= 2, 'two reconnects');
    expect(reconnecting.items[0]!.cause).toMatchObject({ code: 'TRANSPORT_ERROR', message: expect.stringMatching(/websocket error/) });
    device.close();
  });

  it('sdk - a refusal for load waits the retry_after_ms the node gave, not its own backoff', async () => {
    // One auth call at a time and no queue, with the messages service stalled behind a proxy: the first handshake
    // holds the only slot, the next one is refused `queue_full` with a slot 100 ms away (1 call per 100 ms, assumed
    // before any call was timed).
    const proxy = await startTcpBalancer([stack.messages().port]);
    const node = await stack.startNode({ MESSAGES_URL: proxy.url, AUTH_CONCURRENCY: '1', AUTH_QUEUE_LENGTH: '0', MESSAGES_TIMEOUT_MS: '30000' });
    try {
      proxy.hold();
      const holder = chat('slot-holder', { url: node.url });
      holder.connect();
      const inFlight = /^switchboard_gateway_auth_in_flight(\{[^}]*\})? 1$/m;
      await waitFor(async () => inFlight.test(await fetch(`${node.url}/metrics`).then((r) => r.text())), { message: 'the slot taken' });
      const refused = chat('refused-for-load', { url: node.url, backoff: { baseMs: 5, maxMs: 5 } });
      const reconnecting = collect<{ delayMs: number; cause: ConnectionCause }>();
      refused.on('reconnecting', reconnecting.push);
      refused.connect();
      await reconnecting.until((items) => items.length >= 1, 'a refusal');
      const first = reconnecting.items[0]!;
      expect(first.cause).toMatchObject({ code: 'UNAVAILABLE' });
      // Its own backoff would wait under 5 ms; the node's slot is 100 ms away, plus at most 250 ms of jitter.
      expect(first.delayMs).toBeGreaterThanOrEqual(100);
      expect(first.delayMs).toBeLessThan(350);
      refused.close();
      holder.close();
    } finally {
      proxy.release();
      await proxy.close();
      node.signal('SIGTERM');
      await node.exited;
    }
  });

  it('sdk - the reconnect backoff keeps growing while connections drop right after they open', async () => {
    const ingress = await startTcpBalancer([stack.gateway.port]);
    try {
      const device = new ChatClient({
        url: ingress.url,
        apiUrl: stack.apiUrl,
        appId: app.id,
        deviceId: 'flapping',
        apiKey: app.api_key,
        backoff: { baseMs: 20, maxMs: 5000 },
      });
      track(device);
      const attempts = collect<number>();
      device.on('reconnecting', ({ attempt }) => attempts.push(attempt));
      // Every connection is cut as soon as it is up (like a send or a proxy that kills it).
      device.on('connect', () => {
        ingress.block();
        setTimeout(() => ingress.unblock(), 5);
      });
      device.connect();
      await attempts.until((items) => items.length >= 4, 'four reconnects', 15_000);
      device.close();
      expect(attempts.items.slice(0, 4)).toEqual([0, 1, 2, 3]);
    } finally {
      await ingress.close();
    }
  });

  it('sdk - disconnect() and connect() again, twice: sends wait offline, missed messages arrive on return', async () => {
    const conversation = await stack.openConversation(app, 'backgrounded');
    const device = chat('backgrounded');
    const received = collect<Message>();
    device.on('message:new', received.push);
    device.connect();
    await waitFor(() => device.connected, { message: 'connected' });
    await waitFor(() => device.lastDelivered(conversation.id), { message: 'auto-joined' });
    for (const round of [1, 2]) {
      device.disconnect();
      expect(device.state).toBe('disconnected');
      const queued = device.send(conversation.id, `queued ${round}`);
      await stack.agentSend(app, conversation.id, `while away ${round}`);
      await sleep(200);
      expect(device.pendingSends.map((p) => p.body)).toEqual([`queued ${round}`]);
      device.connect();
      expect((await settlesWithin(queued, 5000, 'queued send')).body).toBe(`queued ${round}`);
      await received.until((items) => items.some((m) => m.body === `while away ${round}`), `missed message ${round}`);
    }
    const bodies = received.items.map((m) => m.body);
    expect(bodies).toEqual(['while away 1', 'queued 1', 'while away 2', 'queued 2']);
    expect(received.items.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('sdk - a ChatClient and an AgentClient for one URL each get their own connection', async () => {
    // A URL no other client of this process used (socket.io-client caches one connection per host and port).
    const ingress = await startTcpBalancer([stack.gateway.port]);
    try {
      const options = { url: ingress.url, apiUrl: stack.apiUrl, appId: app.id, backoff: { baseMs: 50, maxMs: 500 } };
      const device = new ChatClient({ ...options, deviceId: 'own-connection', apiKey: app.api_key });
      const desk = new AgentClient({ ...options, adminToken: app.admin_token });
      track(device);
      track(desk);
      device.connect();
      desk.connect();
      await waitFor(() => device.connected && desk.connected, { message: 'both connected' });
      expect(ingress.accepted.get(stack.gateway.port)).toBe(2);
      const socketOf = (client: object) => (client as { socket: Socket }).socket;
      expect(socketOf(device).io).not.toBe(socketOf(desk).io);
      // Closing one leaves the other connected.
      device.close();
      await sleep(200);
      expect(desk.connected).toBe(true);
    } finally {
      await ingress.close();
    }
  });

  it('sdk - latestConversation() is null for a new device, then its latest open conversation', async () => {
    const device = chat('resumer');
    expect(await device.latestConversation()).toBeNull();
    const first = await device.openConversation();
    const second = await device.openConversation();
    const latest = await device.latestConversation();
    expect(latest?.id).toBe(second.id);
    expect(latest?.id).not.toBe(first.id);
  });
});
