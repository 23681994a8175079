/**
 * The floor server (src/floor/) against the real services, started by the load runner's own stack: raw WebSocket
 * clients speaking sio-frames.ts connect, are auto-joined, get each `message:new` of their room once (a real REST
 * send: Postgres, outbox, JetStream, the floor's consumer), and the Engine.IO heartbeat holds a session that answers
 * and ends one that does not. Socket.IO's own client, which checks the server's heartbeat, connects to it too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { io as ioClient } from 'socket.io-client';
import { sleep, waitFor } from '@switchboard/testing';
import { createFixtures, clientAuth, deviceHeaders, type Fixtures } from '../src/fixtures/app-fixtures.js';
import { createSession, engineIoUrl, EIO, type OpenPayload, type Session } from '../src/protocol/sio-frames.js';
// The built stack: it starts the servers' compiled entries (dist/floor/floor-main.js) beside it.
import { OPERATOR_TOKEN, startLoadStack, type LoadStack, type ServerUnderTest } from '../dist/stack/load-stack.js';

const PING_INTERVAL_MS = 300;
const PING_TIMEOUT_MS = 300;

let stack: LoadStack;
let floor: ServerUnderTest;
let fixtures: Fixtures;

beforeAll(async () => {
  stack = await startLoadStack();
  floor = await stack.startServer('floor', { PING_INTERVAL_MS: String(PING_INTERVAL_MS), PING_TIMEOUT_MS: String(PING_TIMEOUT_MS) });
  fixtures = await createFixtures(stack.messages.url, OPERATOR_TOKEN, { devices: 2, conversations: true, prefix: 'floor' });
}, 60_000);
afterAll(async () => {
  await floor?.stop();
  await stack?.[Symbol.asyncDispose]();
});

interface RawClient {
  readonly ws: WebSocket;
  readonly session: Session;
  readonly events: { name: string; args: unknown[] }[];
  readonly frames: string[];
  open?: OpenPayload;
  connected?: { sid?: string } | undefined;
  connectError?: string;
  closed: boolean;
}

/** A raw client; `answerPings: false` drops the server's pings instead of answering them. */
function rawClient(nsp: string, auth: object, answerPings = true): RawClient {
  const ws = new WebSocket(engineIoUrl(floor.process.url));
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
    if (answerPings || text !== EIO.ping) client.session.receive(text);
  });
  ws.on('close', () => (client.closed = true));
  return client;
}

const named = (client: RawClient, name: string) => client.events.filter((e) => e.name === name);

describe('floor server', () => {
  it('floor - a device connects, gets connected and is auto-joined to its latest conversation', async () => {
    const device = fixtures.devices[0]!;
    const client = rawClient('/client', clientAuth(fixtures.app, device));
    try {
      await waitFor(() => named(client, 'conversation:joined')[0], { message: 'conversation:joined' });
      expect(client.open).toMatchObject({ pingInterval: PING_INTERVAL_MS, pingTimeout: PING_TIMEOUT_MS, upgrades: [] });
      expect(client.connected?.sid).toEqual(expect.any(String));
      expect(client.events.map((e) => e.name)).toEqual(['connected', 'conversation:joined']);
      expect(named(client, 'connected')[0]!.args[0]).toMatchObject({ connection_id: client.connected!.sid, server_time: expect.any(String) });
      expect(named(client, 'conversation:joined')[0]!.args[0]).toEqual({ conversation_id: device.conversationId, last_message_id: null });
    } finally {
      client.ws.close();
    }
  });

  it('floor - a REST send reaches each socket of its conversation and the app agents once, and no other room', async () => {
    const [device, other] = fixtures.devices;
    const tabs = [rawClient('/client', clientAuth(fixtures.app, device!)), rawClient('/client', clientAuth(fixtures.app, device!))];
    const stranger = rawClient('/client', clientAuth(fixtures.app, other!));
    const agent = rawClient('/admin', { app_id: fixtures.app.id, admin_token: fixtures.app.admin_token });
    const all = [...tabs, stranger, agent];
    try {
      for (const client of all) await waitFor(() => named(client, 'connected')[0], { message: 'connected' });
      const response = await fetch(`${stack.messages.url}/v1/conversations/${device!.conversationId}/messages`, {
        method: 'POST',
        headers: { ...deviceHeaders(fixtures.app, device!.deviceId), 'content-type': 'application/json' },
        body: JSON.stringify({ body: 'to the floor', local_id: 'floor-1' }),
      });
      expect(response.status).toBe(201);
      const message = (await response.json()) as { id: string };
      for (const client of [...tabs, agent]) await waitFor(() => named(client, 'message:new')[0], { message: 'message:new', timeoutMs: 15_000 });
      // Long enough for a duplicate or a stray delivery to arrive.
      await sleep(1000);
      for (const client of [...tabs, agent]) {
        expect(named(client, 'message:new')).toHaveLength(1);
        expect(named(client, 'message:new')[0]!.args[0]).toMatchObject({ id: message.id, body: 'to the floor', conversation_id: device!.conversationId });
        expect(named(client, 'message:new')[0]!.args[0]).not.toHaveProperty('app_id');
      }
      expect(named(stranger, 'message:new')).toHaveLength(0);
    } finally {
      for (const client of all) client.ws.close();
    }
  });

  it('floor - the heartbeat holds a session that answers pings and ends one that does not', async () => {
    const auth = clientAuth(fixtures.app, fixtures.devices[0]!);
    const answering = rawClient('/client', auth);
    const silent = rawClient('/client', auth, false);
    try {
      for (const client of [answering, silent]) await waitFor(() => named(client, 'connected')[0], { message: 'connected' });
      await waitFor(() => silent.closed, { message: 'silent session closed', timeoutMs: 5 * (PING_INTERVAL_MS + PING_TIMEOUT_MS) });
      await sleep(4 * PING_INTERVAL_MS);
      expect(answering.frames.filter((f) => f === EIO.ping).length).toBeGreaterThanOrEqual(3);
      expect(answering.closed).toBe(false);
    } finally {
      answering.ws.close();
      silent.ws.close();
    }
  });

  it('floor - Socket.IO 4.8 client over WebSocket: connected, auto-joined, and still connected after several heartbeats', async () => {
    const device = fixtures.devices[1]!;
    const socket = ioClient(`${floor.process.url}/client`, {
      path: '/v1/socket.io',
      transports: ['websocket'],
      reconnection: false,
      auth: clientAuth(fixtures.app, device),
    });
    const events: string[] = [];
    socket.onAny((name: string) => events.push(name));
    let disconnected: string | undefined;
    socket.on('disconnect', (reason) => (disconnected = reason));
    try {
      const joined = await new Promise<unknown>((resolve, reject) => {
        socket.on('conversation:joined', resolve);
        socket.on('connect_error', reject);
      });
      expect(joined).toEqual({ conversation_id: device.conversationId, last_message_id: null });
      expect(events).toEqual(['connected', 'conversation:joined']);
      // The client closes a session whose server stops pinging within pingInterval + pingTimeout.
      await sleep(4 * (PING_INTERVAL_MS + PING_TIMEOUT_MS));
      expect(disconnected).toBeUndefined();
      expect(socket.connected).toBe(true);
    } finally {
      socket.close();
    }
  });

  it('floor - refused handshakes are connect_error with the contract codes', async () => {
    const wrong = rawClient('/client', { app_id: fixtures.app.id, device_id: 'floor-x', api_key: 'sbk_wrong' });
    const missing = rawClient('/client', { app_id: fixtures.app.id });
    const badAdmin = rawClient('/admin', { app_id: fixtures.app.id, admin_token: 'sba_wrong' });
    const nowhere = rawClient('/nowhere', clientAuth(fixtures.app, fixtures.devices[0]!));
    try {
      expect(await waitFor(() => wrong.connectError)).toBe('INVALID_CREDENTIALS');
      expect(await waitFor(() => missing.connectError)).toBe('MISSING_PARAMS');
      expect(await waitFor(() => badAdmin.connectError)).toBe('INVALID_CREDENTIALS');
      expect(await waitFor(() => nowhere.connectError)).toBe('NOT_FOUND');
    } finally {
      for (const client of [wrong, missing, badAdmin, nowhere]) client.ws.close();
    }
  });
});
