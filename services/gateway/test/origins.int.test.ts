import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { SOCKET_PATH, type CreatedApp } from '@switchboard/protocol';
import { startGatewayStack, type GatewayStack } from './harness.js';

const ALLOWED = 'https://allowed.example';
let stack: GatewayStack;
let app: CreatedApp;
let websocketOnly: string;
let withPolling: string;

beforeAll(async () => {
  stack = await startGatewayStack({ nodes: 1, gatewayEnv: { ALLOWED_ORIGINS: ALLOWED } });
  websocketOnly = stack.nodes[0]!.url;
  withPolling = (await stack.startNode({ ALLOW_POLLING: 'true' })).url;
  app = await stack.createApp('origins');
});
afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
});

/** Opens a `/client` WebSocket with the given `Origin` (none: a native SDK); resolves whether it connected. */
const connects = (origin: string | undefined) =>
  new Promise<boolean>((resolve) => {
    const socket = io(`${websocketOnly}/client`, {
      path: SOCKET_PATH,
      transports: ['websocket'],
      auth: { app_id: app.id, device_id: 'origin-device', api_key: app.api_key },
      ...(origin ? { extraHeaders: { origin } } : {}),
      reconnection: false,
      forceNew: true,
    });
    socket.on('connect', () => {
      socket.close();
      resolve(true);
    });
    socket.on('connect_error', () => {
      socket.close();
      resolve(false);
    });
  });

const pollingHandshake = (url: string) =>
  fetch(`${url}${SOCKET_PATH}/?EIO=4&transport=polling`, { headers: { origin: ALLOWED } });

describe('origins', () => {
  it('origins - a WebSocket from an allowed origin or without Origin connects, from another origin it is refused', async () => {
    expect(await connects(ALLOWED)).toBe(true);
    expect(await connects(undefined)).toBe(true);
    expect(await connects('https://elsewhere.example')).toBe(false);
  });

  it('origins - CORS headers are sent when polling is on; a WebSocket-only node refuses polling', async () => {
    const polling = await pollingHandshake(withPolling);
    expect(polling.status).toBe(200);
    expect(polling.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    await polling.text();
    const refused = await pollingHandshake(websocketOnly);
    expect(refused.status).toBe(400);
    await refused.text();
  });
});
