/**
 * The k6 helper's frames, spoken over a raw WebSocket to a real gateway (started as processes by the gateway's
 * test harness): if these pass, the k6 scripts speak the same protocol as the Socket.IO clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { CreatedApp, Message } from '@switchboard/protocol';
import { sleep, startStack, waitFor, type Stack } from '@switchboard/testing';
import { createSession, engineIoUrl, type OpenPayload, type Session } from '../src/protocol/sio-frames.js';

let stack: Stack;
let app: CreatedApp;
let url: string;

beforeAll(async () => {
  stack = await startStack({ nodes: 1, gatewayEnv: { PING_INTERVAL_MS: '300', PING_TIMEOUT_MS: '2000' } });
  url = stack.nodes[0]!.url;
  app = await stack.createApp('k6-frames');
});
afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
});

interface RawClient {
  readonly ws: WebSocket;
  readonly session: Session;
  readonly events: { name: string; args: unknown[] }[];
  readonly frames: string[];
  open?: OpenPayload;
  connected?: { sid?: string; pid?: string } | undefined;
  connectError?: string;
  closed: boolean;
}

function rawClient(nsp: string, auth: object): RawClient {
  const ws = new WebSocket(engineIoUrl(url));
  const client: RawClient = {
    ws,
    events: [],
    frames: [],
    closed: false,
    session: createSession((frame) => ws.send(frame), {
      onOpen: (open) => {
        client.open = open;
        client.session.connect(nsp, auth);
      },
      onConnect: (_nsp, data) => (client.connected = data),
      onConnectError: (_nsp, error) => (client.connectError = error.message),
      onEvent: (_nsp, name, args) => client.events.push({ name, args }),
    }),
  };
  ws.on('message', (data) => {
    const text = data.toString();
    client.frames.push(text);
    client.session.receive(text);
  });
  ws.on('close', () => (client.closed = true));
  return client;
}

const ack = (client: RawClient, name: string, args: unknown[]) =>
  new Promise<unknown[]>((resolve) => client.session.emitWithAck('/client', name, args, (...answer) => resolve(answer)));

describe('k6 helper frames against the real gateway', () => {
  it('frames - /client with auth: open, connected, ping acked "pong", heartbeats answered, message sent and received', async () => {
    const conversation = await stack.openConversation(app, 'k6-device');
    const client = rawClient('/client', { app_id: app.id, device_id: 'k6-device', api_key: app.api_key });
    try {
      await waitFor(() => client.events.find((e) => e.name === 'connected'), { message: 'connected' });
      expect(client.open).toMatchObject({ pingInterval: 300, pingTimeout: 2000 });
      expect(client.connected?.sid).toEqual(expect.any(String));
      const [connected] = client.events.filter((e) => e.name === 'connected');
      expect(connected!.args[0]).toMatchObject({ connection_id: client.connected!.sid });
      await waitFor(() => client.events.find((e) => e.name === 'conversation:joined'), { message: 'auto-join' });

      expect(await ack(client, 'ping', [])).toEqual(['pong']);

      const sent = await ack(client, 'message:send', [{ conversation_id: conversation.id, body: 'from raw frames', local_id: 'k6-1' }]);
      const result = sent[0] as { success: boolean; message: Message };
      expect(result.success).toBe(true);
      expect(result.message).toMatchObject({ body: 'from raw frames', local_id: 'k6-1', seq: 1, sender: 'user' });
      const received = await waitFor(() => client.events.find((e) => e.name === 'message:new'), { message: 'message:new' });
      expect(received.args[0]).toMatchObject({ id: result.message.id, body: 'from raw frames' });

      // Several heartbeats (every 300 ms) answered by the session: the connection outlives the ping timeout.
      await sleep(2500);
      expect(client.frames.filter((f) => f === '2').length).toBeGreaterThanOrEqual(3);
      expect(client.closed).toBe(false);
      expect(await ack(client, 'ping', [])).toEqual(['pong']);

      // A bad event is acked with an error, as the contract says.
      const bad = await ack(client, 'conversation:join', [{ nope: 1 }]);
      expect(bad[0]).toMatchObject({ success: false, error: { code: 'VALIDATION_FAILED' } });
    } finally {
      client.ws.close();
    }
  });

  it('frames - a refused handshake is a connect_error with the contract code', async () => {
    const missing = rawClient('/client', { app_id: app.id });
    const wrong = rawClient('/client', { app_id: app.id, device_id: 'd', api_key: 'sbk_wrong' });
    try {
      expect(await waitFor(() => missing.connectError)).toBe('MISSING_PARAMS');
      expect(await waitFor(() => wrong.connectError)).toBe('INVALID_CREDENTIALS');
    } finally {
      missing.ws.close();
      wrong.ws.close();
    }
  });

  it('frames - /admin with the admin token gets connected and presence events', async () => {
    const admin = rawClient('/admin', { app_id: app.id, admin_token: app.admin_token });
    try {
      await waitFor(() => admin.events.find((e) => e.name === 'connected'), { message: 'admin connected' });
      const device = rawClient('/client', { app_id: app.id, device_id: 'k6-presence', api_key: app.api_key });
      await waitFor(() => admin.events.find((e) => e.name === 'presence:change'), { message: 'presence:change' });
      expect(admin.events.find((e) => e.name === 'presence:change')!.args[0]).toMatchObject({ device_id: 'k6-presence', is_online: true });
      device.ws.close();
    } finally {
      admin.ws.close();
    }
  });
});
