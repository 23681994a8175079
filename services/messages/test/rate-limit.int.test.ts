import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { freePort, sleep } from '@switchboard/testing';
import { createMemoryRateLimiter } from '../src/rate-limit/memory-rate-limiter.js';
import { failingOpen, type RateLimit, type RateLimiter } from '../src/rate-limit/rate-limiter.js';
import { createFailOpen } from '@switchboard/runtime';
import { createRedisRateLimiter } from '../src/rate-limit/redis-rate-limiter.js';
import { startMessagesHarness, testLogger, type MessagesHarness } from './harness.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const clients: Redis[] = [];
afterAll(() => {
  for (const c of clients) c.disconnect();
});

/** Limiters that share their buckets, as replicas do (for the memory adapter: the same instance). */
type Adapter = (limit: RateLimit) => () => RateLimiter;
const adapters: Record<string, Adapter> = {
  memory: (limit) => {
    const shared = createMemoryRateLimiter(limit);
    return () => shared;
  },
  redis: (limit) => {
    const keyPrefix = `test-rl-${randomBytes(6).toString('hex')}`;
    return () => {
      const redis = new Redis(REDIS_URL);
      clients.push(redis);
      return createRedisRateLimiter({ redis, keyPrefix, ...limit });
    };
  },
};

describe.each(Object.keys(adapters))('%s rate limiter (contract)', (name) => {
  const adapter = adapters[name]!;

  it('rate limit - a burst is allowed, the next request is refused with the wait until a token, then allowed', async () => {
    const replica = adapter({ ratePerSecond: 10, burst: 3 })();
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await replica.take('c:app:phone'));
    expect(decisions.slice(0, 3)).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    const refused = decisions[3]!;
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) {
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(100); // one token at 10/s
    }
    // Another caller has its own bucket.
    expect(await replica.take('c:app:tablet')).toEqual({ allowed: true });
    await sleep(150);
    expect(await replica.take('c:app:phone')).toEqual({ allowed: true });
    expect((await replica.take('c:app:phone')).allowed).toBe(false);
  });

  it('rate limit - replicas share one bucket per caller', async () => {
    const replicas = adapter({ ratePerSecond: 1, burst: 3 });
    const a = replicas();
    const b = replicas();
    expect(await a.take('a:app')).toEqual({ allowed: true });
    expect(await b.take('a:app')).toEqual({ allowed: true });
    expect(await a.take('a:app')).toEqual({ allowed: true });
    expect((await b.take('a:app')).allowed).toBe(false);
    expect((await a.take('a:app')).allowed).toBe(false);
  });
});

describe('redis rate limiter without Redis', () => {
  it('rate limit - while Redis is unreachable, a limiter rejects and, wrapped to fail open, lets requests through (counted, one warning)', async () => {
    const port = await freePort();
    const redis = new Redis({ port, host: '127.0.0.1', enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
    redis.on('error', () => undefined);
    clients.push(redis);
    const limiter = createRedisRateLimiter({ redis, keyPrefix: 'test-rl-down', ratePerSecond: 1, burst: 1 });
    await expect(limiter.take('c:app:phone')).rejects.toThrow();
    const failedOpen: string[] = [];
    const outages: unknown[] = [];
    const failOpen = createFailOpen({ timeoutMs: 500, onFailOpen: (limit) => failedOpen.push(limit), onOutage: (error) => outages.push(error), onRecovered: () => undefined });
    const open = failingOpen(limiter, 'api_rate', failOpen);
    for (let i = 0; i < 3; i++) expect(await open.take('c:app:phone')).toEqual({ allowed: true });
    expect(failedOpen).toEqual(['api_rate', 'api_rate', 'api_rate']);
    expect(outages).toHaveLength(1);
  });
});

describe('REST API with API_RATE_PER_SECOND', () => {
  let h: MessagesHarness;
  beforeAll(async () => {
    // 1 request/s, bursts of 4: what API_RATE_PER_SECOND=2 would give, slowed down so the test is not a race.
    h = await startMessagesHarness({ rateLimiter: createMemoryRateLimiter({ ratePerSecond: 1, burst: 4 }) });
  });
  afterAll(async () => {
    await h?.[Symbol.asyncDispose]();
  });

  it('rate limit - a device over its rate gets 429 RATE_LIMITED with Retry-After, and nothing is stored', async () => {
    const app = await h.createApp('limited');
    const phone = h.device(app, 'phone');
    const conversation = await phone.post('/v1/conversations', {});
    expect(conversation.status).toBe(201);
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof phone.post>> | undefined;
    for (let i = 0; i < 5; i++) {
      const response = await phone.post(`/v1/conversations/${conversation.body.id}/messages`, { body: `m${i}`, local_id: `m${i}` });
      statuses.push(response.status);
      if (response.status === 429) refused ??= response;
    }
    // The conversation took one token of the four.
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    expect(refused!.body).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
    expect(refused!.headers.get('retry-after')).toBe('1');
    expect(await h.count('messages')).toBe(3);

    // Other callers have their own budget: another device, and the app's agents.
    expect((await h.device(app, 'tablet').get('/v1/conversations')).status).toBe(200);
    expect((await h.agent(app).get('/v1/conversations')).status).toBe(200);

    // The bucket refills: one more token after a second.
    await sleep(1100);
    const later = await phone.post(`/v1/conversations/${conversation.body.id}/messages`, { body: 'later', local_id: 'later' });
    expect(later.status).toBe(201);
  });

  it('rate limit - wrong credentials are refused before the limiter (they cannot spend a device\'s budget)', async () => {
    const app = await h.createApp('strangers');
    const stranger = { 'X-App-Id': app.id, 'X-Device-Id': 'victim', 'X-Api-Key': 'wrong-key-0123456789' };
    for (let i = 0; i < 6; i++) {
      const response = await fetch(new URL('/v1/conversations', h.url), { headers: stranger });
      expect(response.status).toBe(401);
    }
    expect((await h.device(app, 'victim').get('/v1/conversations')).status).toBe(200);
  });
});
