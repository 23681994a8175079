import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { SOCKET_PATH, type CreatedApp } from '@switchboard/protocol';
import { startRedisServer, waitFor, type ServerProcess } from '@switchboard/testing';
import { startGatewayStack, type GatewayStack } from './harness.js';

/** How a handshake ended: `connected` (accepted), or the `connect_error` code. */
type Outcome = 'connected' | string;

const opened: Socket[] = [];
afterAll(() => {
  for (const socket of opened) socket.close();
});

/**
 * One handshake on `/client` (or `/admin`), from `address` as the trusted proxy would have written it in
 * `X-Forwarded-For` (the tests all come from 127.0.0.1). Resolves with the outcome; a connected socket stays open.
 */
function handshake(url: string, auth: Record<string, unknown>, address: string | undefined, namespace = '/client'): Promise<{ outcome: Outcome; socket: Socket; retryAfterMs?: unknown }> {
  const socket = io(`${url}${namespace}`, {
    path: SOCKET_PATH,
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth,
    ...(address ? { extraHeaders: { 'X-Forwarded-For': address } } : {}),
  });
  opened.push(socket);
  return new Promise((resolve) => {
    // Socket.IO's `connect`: the handshake passed every middleware (the `connected` event that follows goes through
    // the adapter, which waits for Redis during an outage).
    socket.once('connect', () => resolve({ outcome: 'connected', socket }));
    socket.once('connect_error', (error: Error & { data?: { code?: string; retry_after_ms?: unknown } }) => {
      socket.close();
      resolve({ outcome: error.data?.code ?? error.message, socket, retryAfterMs: error.data?.retry_after_ms });
    });
  });
}

const outcome = async (...args: Parameters<typeof handshake>) => (await handshake(...args)).outcome;

async function metric(url: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return Number(line?.split(' ').pop() ?? Number.NaN);
}

describe('handshake limits (two nodes, Redis)', () => {
  let stack: GatewayStack;
  let app: CreatedApp;
  const good = (deviceId: string) => ({ app_id: app.id, device_id: deviceId, api_key: app.api_key });
  const bad = (deviceId: string) => ({ app_id: app.id, device_id: deviceId, api_key: 'wrong-key-0123456789' });

  beforeAll(async () => {
    stack = await startGatewayStack({
      nodes: 2,
      gatewayEnv: {
        TRUSTED_PROXY_HOPS: '1',
        AUTH_FAILURES_PER_IP_PER_MINUTE: '5',
        CONNECTIONS_PER_IP_PER_10S: '20',
        MAX_CONNECTIONS_PER_DEVICE: '10',
      },
    });
    app = await stack.createApp('limits');
  }, 60_000);
  afterAll(async () => {
    await stack?.[Symbol.asyncDispose]();
  });

  it('limits - an address over its failed-auth limit (counted on both nodes) is refused RATE_LIMITED, even with good credentials; other addresses connect', async () => {
    const [one, two] = stack.nodes.map((n) => n.url) as [string, string];
    const attacker = '198.51.100.1';
    // Failures on either node count together, through Redis.
    for (let i = 0; i < 5; i++) expect(await outcome(i % 2 ? two : one, bad('stuffed'), attacker)).toBe('INVALID_CREDENTIALS');
    expect(await outcome(one, bad('stuffed'), attacker)).toBe('RATE_LIMITED');
    expect(await outcome(two, good('stuffed'), attacker)).toBe('RATE_LIMITED');
    // MISSING_PARAMS is refused the same way from there, and /admin too.
    expect(await outcome(one, { app_id: app.id }, attacker)).toBe('RATE_LIMITED');
    expect(await outcome(one, { app_id: app.id, admin_token: app.admin_token }, attacker, '/admin')).toBe('RATE_LIMITED');
    // A client cannot escape by prepending addresses: the proxy's entry (the rightmost) is the address.
    expect(await outcome(two, good('stuffed'), `203.0.113.50, ${attacker}`)).toBe('RATE_LIMITED');

    // Another address keeps connecting, and its own failures are still answered as such.
    expect(await outcome(two, good('honest'), '198.51.100.2')).toBe('connected');
    expect(await outcome(one, bad('honest'), '198.51.100.2')).toBe('INVALID_CREDENTIALS');
    expect(await outcome(one, good('honest'), `${attacker}, 198.51.100.2`)).toBe('connected');

    expect(await metric(one, 'switchboard_gateway_handshake_refusals_total', { namespace: '/client', code: 'RATE_LIMITED' })).toBeGreaterThanOrEqual(1);
    expect(await metric(one, 'switchboard_gateway_limit_refusals_total', { namespace: '/client', limit: 'auth_failures' })).toBeGreaterThanOrEqual(2);
    expect(await metric(one, 'switchboard_gateway_limit_refusals_total', { namespace: '/admin', limit: 'auth_failures' })).toBe(1);
  });

  it('limits - a device holding MAX_CONNECTIONS_PER_DEVICE sockets across both nodes is refused the next; another device is not', async () => {
    const [one, two] = stack.nodes.map((n) => n.url) as [string, string];
    const sockets: Socket[] = [];
    // 10 sockets spread over both nodes, from addresses of their own (the connection rate is not what is tested).
    for (let i = 0; i < 10; i++) {
      const { outcome: result, socket } = await handshake(i % 2 ? two : one, good('busy'), `198.51.100.${100 + i}`);
      expect(result).toBe('connected');
      sockets.push(socket);
    }
    const devKey = `${stack.redisPrefix}:presence:dev:${app.id}:busy`;
    await waitFor(async () => (await stack.redis.scard(devKey)) === 10, { timeoutMs: 5000, message: '10 connections registered' });
    expect(await outcome(two, good('busy'), '198.51.100.120')).toBe('RATE_LIMITED');
    expect(await outcome(one, good('busy'), '198.51.100.121')).toBe('RATE_LIMITED');
    expect(await outcome(one, good('other-device'), '198.51.100.120')).toBe('connected');
    expect(await metric(two, 'switchboard_gateway_limit_refusals_total', { namespace: '/client', limit: 'device_connections' })).toBe(1);

    // One closes: the device may open one again.
    sockets[0]!.close();
    await waitFor(async () => (await stack.redis.scard(devKey)) === 9, { timeoutMs: 5000, message: 'a connection gone' });
    expect(await outcome(two, good('busy'), '198.51.100.122')).toBe('connected');
  });

  it('limits - an address opening more than CONNECTIONS_PER_IP_PER_10S sockets is refused RATE_LIMITED; another address is not', async () => {
    const [one, two] = stack.nodes.map((n) => n.url) as [string, string];
    const burst = '198.51.100.200';
    for (let i = 0; i < 20; i++) expect(await outcome(i % 2 ? two : one, good(`burst-${i}`), burst)).toBe('connected');
    const limited = await handshake(one, good('burst-20'), burst);
    expect(limited.outcome).toBe('RATE_LIMITED');
    // When the address's 10 s window ends, as REST's Retry-After.
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    expect(limited.retryAfterMs).toBeLessThanOrEqual(10_000);
    expect(await outcome(two, good('burst-21'), burst)).toBe('RATE_LIMITED');
    expect(await outcome(two, good('burst-21'), '198.51.100.201')).toBe('connected');
    const refused = (await metric(one, 'switchboard_gateway_limit_refusals_total', { namespace: '/client', limit: 'connection_rate' }))
      + (await metric(two, 'switchboard_gateway_limit_refusals_total', { namespace: '/client', limit: 'connection_rate' }));
    expect(refused).toBe(2);
  });
});

describe('handshake limits without TRUSTED_PROXY_HOPS', () => {
  let stack: GatewayStack;
  let app: CreatedApp;
  beforeAll(async () => {
    stack = await startGatewayStack({ nodes: 1, gatewayEnv: { AUTH_FAILURES_PER_IP_PER_MINUTE: '3' } });
    app = await stack.createApp('no-proxy');
  }, 60_000);
  afterAll(async () => {
    await stack?.[Symbol.asyncDispose]();
  });

  it('limits - X-Forwarded-For is ignored (the socket address counts), so a client cannot pick its address', async () => {
    const url = stack.nodes[0]!.url;
    const bad = { app_id: app.id, device_id: 'd', api_key: 'wrong-key-0123456789' };
    for (let i = 0; i < 3; i++) expect(await outcome(url, bad, `198.51.100.${i}`)).toBe('INVALID_CREDENTIALS');
    expect(await outcome(url, { ...bad, api_key: app.api_key }, '198.51.100.99')).toBe('RATE_LIMITED');
  });
});

describe('handshake limits with Redis down', () => {
  let redis: ServerProcess;
  let stack: GatewayStack;
  let app: CreatedApp;
  beforeAll(async () => {
    redis = await startRedisServer();
    stack = await startGatewayStack({
      nodes: 1,
      redis: redis.url,
      gatewayEnv: { AUTH_FAILURES_PER_IP_PER_MINUTE: '2', CONNECTIONS_PER_IP_PER_10S: '2', MAX_CONNECTIONS_PER_DEVICE: '1' },
    });
    app = await stack.createApp('limits-down');
  }, 60_000);
  afterAll(async () => {
    await stack?.[Symbol.asyncDispose]();
    await redis?.[Symbol.asyncDispose]();
  });

  it('limits - Redis down: the limits fail open (handshakes accepted), counted in the metric, with one log line', async () => {
    const url = stack.nodes[0]!.url;
    await redis.kill();
    const bad = { app_id: app.id, device_id: 'd', api_key: 'wrong-key-0123456789' };
    for (let i = 0; i < 4; i++) expect(await outcome(url, bad, undefined)).toBe('INVALID_CREDENTIALS');
    // Over every limit as configured (2 failures, 2 connections per 10 s, 1 socket per device), all accepted.
    for (let i = 0; i < 3; i++) expect(await outcome(url, { ...bad, api_key: app.api_key }, undefined)).toBe('connected');

    for (const limit of ['auth_failures', 'connection_rate', 'device_connections']) {
      expect(await metric(url, 'switchboard_gateway_limits_fail_open_total', { limit })).toBeGreaterThan(0);
    }
    const lines = stack.nodes[0]!.logs().split('\n').filter((l) => l.includes('limits are not applied'));
    expect(lines).toHaveLength(1);
    // Back, so that the stack can clean up its keys.
    await redis.start();
  }, 30_000);
});
