import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addIdentityKey,
  createTestDatabase,
  mintToken,
  startNatsServer,
  startRedisServer,
  startServiceProcess,
  waitFor,
  type ServerProcess,
  type TestDatabase,
} from '@switchboard/testing';
import { INTERNAL_PATHS, type CreatedApp } from '@switchboard/protocol';
import { deviceHeaders, request, startMessagesHarness, type MessagesHarness } from './harness.js';

/** Tests come from 127.0.0.1: with one trusted proxy, `X-Forwarded-For` stands for the client address. */
const from = (address: string) => ({ 'X-Forwarded-For': address });

describe('REST limits (in-process, memory stores)', () => {
  let h: MessagesHarness;
  let app: CreatedApp;
  const INTERNAL_TOKEN = 'limits-internal-token-0123456789';
  beforeAll(async () => {
    h = await startMessagesHarness({
      internalToken: INTERNAL_TOKEN,
      env: { TRUSTED_PROXY_HOPS: '1', AUTH_FAILURES_PER_IP_PER_MINUTE: '5', API_RATE_PER_SECOND: '20', API_RATE_PER_IP_PER_SECOND: '30' },
    });
    app = await h.createApp('limits');
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  const get = (address: string, headers: Record<string, string>) => request(h.url, 'GET', '/v1/conversations', { headers: { ...headers, ...from(address) } });

  it('limits - a principal over API_RATE_PER_SECOND (20/s, bursts of 40) gets 429 RATE_LIMITED with Retry-After; other principals do not', async () => {
    const phone = deviceHeaders(app, 'rate-phone');
    // Each from an address of its own, so that only the device's budget is spent.
    const answers = await Promise.all(Array.from({ length: 120 }, (_, i) => get(`192.0.2.${i + 1}`, phone)));
    const ok = answers.filter((a) => a.status === 200).length;
    const refused = answers.filter((a) => a.status === 429);
    // 40 in the burst, plus what refilled while the 120 were in flight.
    expect(ok).toBeGreaterThanOrEqual(40);
    expect(ok).toBeLessThan(120);
    expect(refused.length).toBe(120 - ok);
    expect(refused[0]!.body).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another device of the same app from the same address, and the app's agents: their own budgets.
    expect((await get('198.51.100.10', deviceHeaders(app, 'rate-tablet'))).status).toBe(200);
    expect((await get('198.51.100.10', { Authorization: `Bearer ${app.admin_token}` })).status).toBe(200);
  });

  it('limits - each agent of an agent token is a caller of its own, apart from the app\'s admin token', async () => {
    const key = await addIdentityKey(h, app.id);
    const alice = { Authorization: `Bearer ${await mintToken(key, 'agent-alice', { claims: { role: 'agent' } })}` };
    const bob = { Authorization: `Bearer ${await mintToken(key, 'agent-bob', { claims: { role: 'agent' } })}` };
    const answers = await Promise.all(Array.from({ length: 120 }, (_, i) => get(`192.0.2.${i + 130}`, alice)));
    expect(answers.filter((a) => a.status === 429).length).toBeGreaterThan(0);
    expect((await get('192.0.2.251', bob)).status).toBe(200);
    expect((await get('192.0.2.252', { Authorization: `Bearer ${app.admin_token}` })).status).toBe(200);
  });

  it('limits - an address over API_RATE_PER_IP_PER_SECOND gets 429 whatever the device ids it uses; another address does not', async () => {
    // 12 devices × 10 requests: every device within its own budget, the address over its 30 (bursts of 30).
    const answers = await Promise.all(
      Array.from({ length: 120 }, (_, i) => get('198.51.100.20', deviceHeaders(app, `many-${i % 12}`))),
    );
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.status === 200).length).toBeLessThan(90);
    expect(refused[0]!.body.error.code).toBe('RATE_LIMITED');
    expect(refused[0]!.headers.get('retry-after')).toBe('1');
    expect((await get('198.51.100.21', deviceHeaders(app, 'many-0'))).status).toBe(200);
  });

  it('limits - 401s count per address: past AUTH_FAILURES_PER_IP_PER_MINUTE the address gets 429 with Retry-After even with good credentials', async () => {
    const wrong = { ...deviceHeaders(app, 'victim'), 'X-Api-Key': 'wrong-key-0123456789' };
    for (let i = 0; i < 5; i++) expect((await get('198.51.100.30', wrong)).status).toBe(401);
    const refused = await get('198.51.100.30', deviceHeaders(app, 'victim'));
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Whatever it sends: the operator API and a missing-credentials request too.
    expect((await request(h.url, 'POST', '/v1/apps', { headers: { Authorization: 'Bearer whatever', ...from('198.51.100.30') }, body: { name: 'x' } })).status).toBe(429);
    // Entries a client adds on the left of X-Forwarded-For are not believed: the proxy's entry (rightmost) counts.
    expect((await get('203.0.113.77, 198.51.100.30', deviceHeaders(app, 'victim'))).status).toBe(429);
    expect((await get('198.51.100.30, 198.51.100.31', deviceHeaders(app, 'victim'))).status).toBe(200);
    // Another address is not affected.
    expect((await get('198.51.100.31', deviceHeaders(app, 'victim'))).status).toBe(200);
  });

  it('limits - missing credentials and a wrong operator token count as failures too; the internal API never counts', async () => {
    for (let i = 0; i < 3; i++) expect((await get('198.51.100.40', {})).status).toBe(401);
    expect((await request(h.url, 'POST', '/v1/apps', { headers: { Authorization: 'Bearer wrong-operator-token', ...from('198.51.100.40') }, body: { name: 'x' } })).status).toBe(401);
    expect((await get('198.51.100.40', deviceHeaders(app, 'ok'))).status).toBe(200);
    expect((await get('198.51.100.40', {})).status).toBe(401);
    expect((await get('198.51.100.40', deviceHeaders(app, 'ok'))).status).toBe(429);

    // The gateway's calls: refused credentials there are the gateway's to count (a refused handshake counts once).
    for (let i = 0; i < 8; i++) {
      const refused = await request(h.url, 'POST', INTERNAL_PATHS.authClient, {
        headers: { 'X-Internal-Token': INTERNAL_TOKEN, ...from('198.51.100.41') },
        body: { app_id: app.id, device_id: 'd', api_key: 'wrong-key-0123456789' },
      });
      expect(refused.status).toBe(401);
    }
    expect((await get('198.51.100.41', deviceHeaders(app, 'ok'))).status).toBe(200);
  });
});

describe('REST limits with Redis down (process)', () => {
  const dist = fileURLToPath(new URL('../dist/main.js', import.meta.url));
  let database: TestDatabase;
  let nats: ServerProcess;
  beforeAll(async () => {
    database = await createTestDatabase();
    nats = await startNatsServer();
  });
  afterAll(async () => {
    await nats?.[Symbol.asyncDispose]();
    await database?.drop();
  });

  it('limits - Redis down: every limit fails open (requests served), counted in the metric, and one log line', async () => {
    const redis = await startRedisServer();
    await using service = await startServiceProcess({
      script: dist,
      portVariable: 'MESSAGES_PORT',
      env: {
        DATABASE_URL: database.url,
        NATS_URL: nats.url,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: 'limits-down',
        MESSAGES_HOST: '127.0.0.1',
        OPERATOR_TOKEN: 'operator-token-for-limits-test',
        API_RATE_PER_SECOND: '1',
        API_RATE_PER_IP_PER_SECOND: '2',
        AUTH_FAILURES_PER_IP_PER_MINUTE: '2',
        LOG_LEVEL: 'warn',
      },
    });
    const created = await request(service.url, 'POST', '/v1/apps', { headers: { Authorization: 'Bearer operator-token-for-limits-test' }, body: { name: 'down' } });
    const app = created.body as CreatedApp;
    // While Redis is up the limits apply (2 requests per second per address).
    await waitFor(async () => (await request(service.url, 'GET', '/v1/conversations', { headers: deviceHeaders(app, 'up') })).status === 429, { timeoutMs: 5000 });

    await redis[Symbol.asyncDispose]();
    const wrong = { ...deviceHeaders(app, 'down'), 'X-Api-Key': 'wrong-key-0123456789' };
    for (let i = 0; i < 5; i++) expect((await request(service.url, 'GET', '/v1/conversations', { headers: wrong })).status).toBe(401);
    for (let i = 0; i < 10; i++) expect((await request(service.url, 'GET', '/v1/conversations', { headers: deviceHeaders(app, 'down') })).status).toBe(200);

    const metrics = (await request(service.url, 'GET', '/metrics')).body as string;
    for (const limit of ['api_rate', 'api_rate_per_address', 'auth_failures']) {
      const line = metrics.split('\n').find((l) => l.startsWith('switchboard_messages_limits_fail_open_total') && l.includes(`limit="${limit}"`));
      expect(Number(line?.split(' ').pop())).toBeGreaterThan(0);
    }
    const outageLines = service.logs().split('\n').filter((l) => l.includes('limits are not applied'));
    expect(outageLines).toHaveLength(1);
  });
});
