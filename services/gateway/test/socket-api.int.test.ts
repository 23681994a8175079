import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { SOCKET_PATH, type CreatedApp } from '@switchboard/protocol';
import { waitFor } from '@switchboard/testing';
import { sleep, startGatewayStack, type GatewayStack } from './harness.js';

let stack: GatewayStack;
let app: CreatedApp;
let other: CreatedApp;
let url: string;

beforeAll(async () => {
  stack = await startGatewayStack({ nodes: 1 });
  url = stack.nodes[0]!.url;
  app = await stack.createApp('socket-api');
  other = await stack.createApp('other');
});
afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
});

const refusal = (namespace: string, auth: object) =>
  new Promise<{ message: string; data: any }>((resolve, reject) => {
    const socket = io(`${url}${namespace}`, { path: SOCKET_PATH, transports: ['websocket'], auth, reconnection: false, forceNew: true });
    socket.on('connect', () => {
      socket.close();
      reject(new Error('connected'));
    });
    socket.on('connect_error', (error: Error & { data?: any }) => {
      socket.close();
      resolve({ message: error.message, data: error.data });
    });
  });

describe('handshake', () => {
  it.each([
    ['/client', {}, 'MISSING_PARAMS'],
    ['/client', { app_id: 'x', device_id: 'd' }, 'MISSING_PARAMS'],
    ['/client', { app_id: '', device_id: 'd', api_key: 'k' }, 'MISSING_PARAMS'],
    ['/admin', { app_id: 'x' }, 'MISSING_PARAMS'],
  ])('handshake - %s with %j is refused with %s', async (namespace, auth, code) => {
    const error = await refusal(namespace, auth);
    expect(error.message).toBe(code);
    expect(error.data.code).toBe(code);
  });

  it('handshake - wrong credentials are INVALID_CREDENTIALS', async () => {
    expect((await refusal('/client', { app_id: app.id, device_id: 'd', api_key: other.api_key })).message).toBe('INVALID_CREDENTIALS');
    expect((await refusal('/client', { app_id: app.id, device_id: 'bad device!', api_key: app.api_key })).message).toBe('INVALID_CREDENTIALS');
    expect((await refusal('/client', { app_id: app.id, device_id: 'd', api_key: 42 })).message).toBe('INVALID_CREDENTIALS');
    expect((await refusal('/admin', { app_id: other.id, admin_token: app.admin_token })).message).toBe('INVALID_CREDENTIALS');
    expect((await refusal('/admin', { app_id: app.id, admin_token: app.api_key })).message).toBe('INVALID_CREDENTIALS');
  });

  it('handshake - the main namespace and unknown namespaces are refused', async () => {
    expect((await refusal('/', {})).message).toBe('NOT_FOUND');
    expect((await refusal('/other', {})).message).toBe('Invalid namespace');
  });

  it('connect - connected with connection id and server time; auto-join of the latest conversation with last_message_id', async () => {
    const fresh = await stack.connected(stack.client(url, app, 'new-device'));
    const [connected] = fresh.of('connected');
    expect(connected.connection_id).toBe(fresh.socket.id);
    expect(Date.parse(connected.server_time)).toBeGreaterThan(Date.now() - 60_000);
    await sleep(100);
    expect(fresh.of('conversation:joined')).toEqual([]); // no conversation yet

    const conversation = await stack.openConversation(app, 'returning');
    const headers = { 'X-App-Id': app.id, 'X-Device-Id': 'returning', 'X-Api-Key': app.api_key };
    const sent = await stack.rest('POST', `/v1/conversations/${conversation.id}/messages`, headers, { body: 'before connecting', local_id: 'b1' });
    const returning = await stack.connected(stack.client(url, app, 'returning'));
    expect(await returning.waitFor('conversation:joined')).toEqual([{ conversation_id: conversation.id, last_message_id: sent.body.id }]);
    // It is in the room: the next message reaches it (the first may too, if its fan-out came after the join).
    const after = await stack.rest('POST', `/v1/conversations/${conversation.id}/messages`, headers, { body: 'after', local_id: 'b2' });
    await waitFor(() => returning.of('message:new').some((m) => m.id === after.body.id));
  });

  it('connect - a reconnect right after opening a conversation auto-joins that one (no stale handshake answer)', async () => {
    // Connected with no conversation, then one opened over REST, then a second tab a moment later: the gateway must
    // not reuse the first handshake's answer (it said "no latest conversation").
    const first = await stack.connected(stack.client(url, app, 'quick'));
    await sleep(50);
    expect(first.of('conversation:joined')).toEqual([]);
    const opened = await stack.openConversation(app, 'quick');
    const second = await stack.connected(stack.client(url, app, 'quick'));
    expect(await second.waitFor('conversation:joined')).toEqual([{ conversation_id: opened.id, last_message_id: null }]);
    // And a newer conversation is the one a third tab gets.
    const newer = await stack.openConversation(app, 'quick');
    const third = await stack.connected(stack.client(url, app, 'quick'));
    expect(await third.waitFor('conversation:joined')).toEqual([{ conversation_id: newer.id, last_message_id: null }]);
  });
});

describe('events', () => {
  it('join - own conversation acked with last_message_id and conversation:joined; foreign ones refused', async () => {
    const mine = await stack.openConversation(app, 'joiner');
    const theirs = await stack.openConversation(app, 'someone-else');
    const foreign = await stack.openConversation(other, 'joiner');
    const client = await stack.connected(stack.client(url, app, 'joiner'));
    expect(await client.socket.emitWithAck('conversation:join', { conversation_id: mine.id })).toEqual({ success: true, last_message_id: null });
    expect(client.of('conversation:joined')).toContainEqual({ conversation_id: mine.id, last_message_id: null });
    for (const id of [theirs.id, foreign.id, 'conv_nope']) {
      const ack = await client.socket.emitWithAck('conversation:join', { conversation_id: id });
      expect(ack).toEqual({ success: false, error: { code: 'NOT_FOUND', message: 'conversation not found' } });
    }
    const agent = await stack.connected(stack.admin(url, app));
    expect(await agent.socket.emitWithAck('conversation:join', { conversation_id: theirs.id })).toMatchObject({ success: true });
    expect((await agent.socket.emitWithAck('conversation:join', { conversation_id: foreign.id })).success).toBe(false);
    expect(await agent.socket.emitWithAck('app:subscribe', { app_id: app.id })).toEqual({ success: true });
    expect(await agent.socket.emitWithAck('app:subscribe', { app_id: other.id })).toMatchObject({ success: false, error: { code: 'FORBIDDEN' } });
    expect(await agent.socket.emitWithAck('sessions:list', { app_id: other.id })).toMatchObject({ success: false, error: { code: 'FORBIDDEN' } });
  });

  it('leave - a socket that left no longer receives the conversation', async () => {
    const c = await stack.openConversation(app, 'leaver');
    const client = await stack.connected(stack.client(url, app, 'leaver'));
    await client.waitFor('conversation:joined');
    expect(await client.socket.emitWithAck('conversation:leave', { conversation_id: c.id })).toEqual({ success: true });
    const agent = await stack.connected(stack.admin(url, app));
    await agent.socket.emitWithAck('message:send', { conversation_id: c.id, body: 'anyone?', local_id: 'l1' });
    await agent.waitFor('message:new');
    await sleep(200);
    expect(client.of('message:new')).toEqual([]);
  });

  it('ping - acked with "pong" on both namespaces', async () => {
    const client = await stack.connected(stack.client(url, app, 'pinger'));
    const agent = await stack.connected(stack.admin(url, app));
    expect(await client.socket.emitWithAck('ping')).toBe('pong');
    expect(await agent.socket.emitWithAck('ping')).toBe('pong');
  });

  it('bad events - wrong payloads are acked VALIDATION_FAILED or get an error event, and change nothing', async () => {
    const c = await stack.openConversation(app, 'sloppy');
    const client = await stack.connected(stack.client(url, app, 'sloppy'));
    const raw = client.socket as any;
    const bad = [
      ['message:send', { conversation_id: c.id, body: '', local_id: 'a' }],
      ['message:send', { conversation_id: c.id, body: 'x'.repeat(10_001), local_id: 'a' }],
      ['message:send', { conversation_id: c.id, body: 'hi', local_id: 'no spaces' }],
      ['message:send', { conversation_id: c.id, body: 'hi', local_id: 'a', sender: 'agent' }],
      ['message:send', 'just a string'],
      ['conversation:join', { conversation_id: 42 }],
      ['conversation:join', null],
      ['typing:start', {}],
    ] as const;
    for (const [event, payload] of bad) {
      const ack = await raw.emitWithAck(event, payload);
      expect(ack.success, `${event} ${JSON.stringify(payload)}`).toBe(false);
      expect(ack.error.code).toBe('VALIDATION_FAILED');
    }
    raw.emit('message:send', { body: 'no conversation' });
    raw.emit('no:such:event', {});
    const errors = await client.waitFor('error', 2);
    expect(errors.map((e) => e.code)).toEqual(['VALIDATION_FAILED', 'VALIDATION_FAILED']);
    expect(errors[1].message).toContain('no:such:event');
    const page = await stack.rest('GET', `/v1/conversations/${c.id}/messages`, { 'X-App-Id': app.id, 'X-Device-Id': 'sloppy', 'X-Api-Key': app.api_key });
    expect(page.body.data).toEqual([]);
  });

  it('huge payloads - a frame above MAX_PAYLOAD_BYTES closes the connection and writes nothing', async () => {
    const c = await stack.openConversation(app, 'bulky');
    const client = await stack.connected(stack.client(url, app, 'bulky', { reconnection: false }));
    const closed = new Promise<string>((resolve) => client.socket.on('disconnect', resolve));
    client.socket.emit('message:send', { conversation_id: c.id, body: 'x'.repeat(70_000), local_id: 'huge' });
    expect(await closed).toMatch(/transport (close|error)/);
    const page = await stack.rest('GET', `/v1/conversations/${c.id}/messages`, { 'X-App-Id': app.id, 'X-Device-Id': 'bulky', 'X-Api-Key': app.api_key });
    expect(page.body.data).toEqual([]);
  });

  it('typing - only in a joined conversation', async () => {
    const client = await stack.connected(stack.client(url, app, 'typist'));
    const c = await stack.openConversation(app, 'typist');
    expect(await client.socket.emitWithAck('typing:start', { conversation_id: c.id })).toMatchObject({ success: false, error: { code: 'FORBIDDEN' } });
    await client.socket.emitWithAck('conversation:join', { conversation_id: c.id });
    expect(await client.socket.emitWithAck('typing:start', { conversation_id: c.id })).toEqual({ success: true });
  });

  it('floods - events past the per-connection rate are refused with RATE_LIMITED', async () => {
    const client = await stack.connected(stack.client(url, app, 'flooder'));
    const acks = await Promise.all(Array.from({ length: 80 }, () => client.socket.emitWithAck('ping')));
    const limited = acks.filter((a: any) => a?.success === false);
    expect(acks.filter((a) => a === 'pong').length).toBeGreaterThanOrEqual(40);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]).toEqual({ success: false, error: { code: 'RATE_LIMITED', message: 'too many events, slow down' } });
  });

  it('floods - unknown event names take tokens from the same bucket: past the burst they are refused, and so are known ones', async () => {
    const client = await stack.connected(stack.client(url, app, 'unknown-flooder'));
    const raw = client.socket as any;
    const flood: Promise<any[]> = Promise.all(Array.from({ length: 100 }, (_, i) => raw.emitWithAck(`no:such:event:${i}`, {})));
    const known = client.socket.emitWithAck('ping');
    const acks = await flood;
    const answered = acks.filter((a: any) => a?.error?.code === 'VALIDATION_FAILED');
    // EVENT_RATE_PER_SECOND is 20 (burst 40); a few tokens may refill while the flood is sent.
    expect(answered.length).toBeLessThanOrEqual(45);
    expect(acks.filter((a: any) => a?.error?.code === 'RATE_LIMITED').length).toBe(100 - answered.length);
    expect(await known).toEqual({ success: false, error: { code: 'RATE_LIMITED', message: 'too many events, slow down' } });
  });

  it('messages service down - new handshakes are refused with UNAVAILABLE, not INVALID_CREDENTIALS', async () => {
    // A node pointed at a port where nothing listens stands in for an unreachable messages service.
    await using node = await stack.startNode({ MESSAGES_URL: 'http://127.0.0.1:9', AUTH_CACHE_TTL_MS: '0' }, { readyPath: '/healthz' });
    const readiness = await fetch(`${node.url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(((await readiness.json()) as any).checks.messages).toBe('down');
    const error = await new Promise<string>((resolve) => {
      const socket = io(`${node.url}/client`, { path: SOCKET_PATH, transports: ['websocket'], auth: { app_id: app.id, device_id: 'd', api_key: app.api_key }, reconnection: false, forceNew: true });
      socket.on('connect_error', (e) => {
        socket.close();
        resolve(e.message);
      });
    });
    expect(error).toBe('UNAVAILABLE');
  });
});

describe('probes', () => {
  it('probes - healthz, readyz and metrics answer over one kept-alive connection; unknown paths are 404', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready', checks: { redis: 'ok', nats: 'ok', messages: 'ok', self: 'ok' } });
    }
    const metrics = await (await fetch(`${url}/metrics`)).text();
    for (const name of ['switchboard_gateway_connections', 'switchboard_gateway_connects_total', 'switchboard_gateway_events_in_total', 'switchboard_gateway_fanout_lag_seconds', 'switchboard_gateway_nats_consumer_pending', 'switchboard_gateway_slow_consumer_disconnects_total', 'switchboard_gateway_draining', 'process_resident_memory_bytes']) {
      expect(metrics, name).toContain(`# TYPE ${name}`);
    }
    expect(metrics).not.toMatch(/conv_|app_[0-9a-f]/);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });
});
