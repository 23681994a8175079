import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisPresenceReader, presenceKeyPrefix, type PresenceReader } from '@switchboard/presence';
import { SOCKET_PATH, type CreatedApp } from '@switchboard/protocol';
import { mintToken, record, waitFor, type ClientSocket, type IdentityKey } from '@switchboard/testing';
import { startGatewayStack, type GatewayStack } from './harness.js';

/**
 * What the webhooks service reads of presence (`recipient_online`), written by real gateway processes: agents on
 * `/admin`, signed-in users and devices on `/client`, and a gateway killed with SIGKILL. The reader is built the
 * way a service other than the gateway builds it, from `REDIS_KEY_PREFIX` alone.
 */
let stack: GatewayStack;
let app: CreatedApp;
let key: IdentityKey;
let reader: PresenceReader;

beforeAll(async () => {
  stack = await startGatewayStack({ nodes: 1 });
  app = await stack.createApp('presence-reader');
  key = await stack.addIdentityKey(app);
  reader = createRedisPresenceReader({ redis: stack.redis, prefix: presenceKeyPrefix(stack.redisPrefix) });
});
afterAll(async () => {
  await stack?.[Symbol.asyncDispose]();
});

const until = (probe: () => Promise<boolean>, expected: boolean, timeoutMs = 5000) =>
  waitFor(async () => (await probe()) === expected || undefined, { timeoutMs, message: `expected ${expected}` });

describe('presence reader on a running gateway', () => {
  it('presence reader - an agent socket makes its app have an agent online until it closes; other apps never', async () => {
    const other = await stack.createApp('presence-reader-other');
    expect(await reader.isAnyAgentOnline(app.id)).toBe(false);
    const agent = await stack.connected(stack.admin(stack.nodes[0]!.url, app));
    await until(() => reader.isAnyAgentOnline(app.id), true);
    expect(await reader.isAnyAgentOnline(other.id)).toBe(false);
    agent.close();
    await until(() => reader.isAnyAgentOnline(app.id), false);
  });

  it('presence reader - a signed-in user is online on any device, an anonymous device as a device only', async () => {
    const token = await mintToken(key, 'alice');
    const signedIn = record(
      io(`${stack.nodes[0]!.url}/client`, {
        path: SOCKET_PATH,
        transports: ['websocket'],
        auth: { app_id: app.id, device_id: 'alice-phone', api_key: app.api_key, user_token: token },
        reconnection: false,
        forceNew: true,
      }) as ClientSocket,
    );
    await stack.connected(signedIn);
    const anonymous = await stack.connected(stack.client(stack.nodes[0]!.url, app, 'kiosk'));
    await until(() => reader.isUserOnline(app.id, 'alice'), true);
    expect(await reader.isDeviceOnline(app.id, 'alice-phone')).toBe(true);
    expect(await reader.isDeviceOnline(app.id, 'kiosk')).toBe(true);
    expect(await reader.isUserOnline(app.id, 'kiosk')).toBe(false);
    signedIn.close();
    await until(() => reader.isUserOnline(app.id, 'alice'), false);
    expect(await reader.isDeviceOnline(app.id, 'alice-phone')).toBe(false);
    anonymous.close();
    await until(() => reader.isDeviceOnline(app.id, 'kiosk'), false);
  });

  it('presence reader - the agents and users of a gateway killed with SIGKILL stop being online within 20 s', async () => {
    const doomed = await stack.startNode();
    await stack.connected(stack.admin(doomed.url, app));
    const token = await mintToken(key, 'bob');
    const user = record(
      io(`${doomed.url}/client`, {
        path: SOCKET_PATH,
        transports: ['websocket'],
        auth: { app_id: app.id, device_id: 'bob-laptop', api_key: app.api_key, user_token: token },
        reconnection: false,
        forceNew: true,
      }) as ClientSocket,
    );
    await stack.connected(user);
    await until(() => reader.isAnyAgentOnline(app.id), true);
    await until(() => reader.isUserOnline(app.id, 'bob'), true);
    const killedAt = Date.now();
    doomed.signal('SIGKILL');
    await doomed.exited;
    await until(() => reader.isAnyAgentOnline(app.id), false, 20_000);
    await until(() => reader.isUserOnline(app.id, 'bob'), false, 20_000);
    expect(Date.now() - killedAt).toBeLessThan(20_000);
  }, 40_000);
});
