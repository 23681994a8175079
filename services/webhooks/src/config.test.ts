import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE_MS, loadWebhooksConfig } from './config.js';

const required = { DATABASE_URL: 'postgres://db/chat', NATS_URL: 'nats://nats:4222', REDIS_URL: 'redis://redis:6379' };

describe('webhooks config', () => {
  it('config - defaults: port 3002, the retry schedule reaching past 24 h, https only; frozen', () => {
    const config = loadWebhooksConfig(required);
    expect(config.WEBHOOKS_PORT).toBe(3002);
    expect(config.WEBHOOKS_ALLOW_INSECURE).toBe(false);
    expect(config.WEBHOOKS_RETRY_SCHEDULE).toEqual(DEFAULT_RETRY_SCHEDULE_MS);
    const total = DEFAULT_RETRY_SCHEDULE_MS.reduce((sum, ms) => sum + ms, 0);
    expect(total).toBeGreaterThan(24 * 3_600_000);
    expect(total).toBeLessThan(30 * 3_600_000);
    expect(config.NATS_PREFIX).toBe('');
    expect(config.REDIS_KEY_PREFIX).toBe('switchboard');
    expect(config.OPERATOR_TOKEN).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.WEBHOOKS_RETRY_SCHEDULE)).toBe(true);
  });

  it('config - WEBHOOKS_RETRY_SCHEDULE: "200,400,800" is three retries (four attempts); bad ones are refused by name', () => {
    expect(loadWebhooksConfig({ ...required, WEBHOOKS_RETRY_SCHEDULE: '200, 400,800' }).WEBHOOKS_RETRY_SCHEDULE).toEqual([200, 400, 800]);
    expect(loadWebhooksConfig({ ...required, WEBHOOKS_RETRY_SCHEDULE: '0' }).WEBHOOKS_RETRY_SCHEDULE).toEqual([0]);
    for (const bad of ['5s,5m', '200,,400', '-1', '200;400', String(8 * 24 * 3_600_000), Array(26).fill('1').join(',')]) {
      expect(() => loadWebhooksConfig({ ...required, WEBHOOKS_RETRY_SCHEDULE: bad }), bad).toThrow(/WEBHOOKS_RETRY_SCHEDULE/);
    }
  });

  it('config - every missing or bad variable named in one error', () => {
    expect(() => loadWebhooksConfig({ WEBHOOKS_ALLOW_INSECURE: 'yes', OPERATOR_TOKEN: 'short' })).toThrow(
      expect.objectContaining({
        problems: expect.arrayContaining([
          'DATABASE_URL is required but not set',
          'NATS_URL is required but not set',
          'REDIS_URL is required but not set',
          expect.stringMatching(/^WEBHOOKS_ALLOW_INSECURE: /),
          expect.stringMatching(/^OPERATOR_TOKEN: /),
        ]),
      }),
    );
    expect(loadWebhooksConfig({ ...required, WEBHOOKS_ALLOW_INSECURE: 'true' }).WEBHOOKS_ALLOW_INSECURE).toBe(true);
    expect(() => loadWebhooksConfig({ ...required, WEBHOOKS_CONCURRENCY: '0' })).toThrow(/WEBHOOKS_CONCURRENCY/);
    expect(() => loadWebhooksConfig({ ...required, NATS_PREFIX: 'a.b' })).toThrow(/NATS_PREFIX/);
  });
});
