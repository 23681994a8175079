import type { Redis } from 'ioredis';
import { createMemoryWindowCounter, createRedisWindowCounter, type WindowCounter } from '@switchboard/runtime';
import { createMemoryRateLimiter } from './memory-rate-limiter.js';
import type { RateLimiter } from './rate-limiter.js';
import { createRedisRateLimiter } from './redis-rate-limiter.js';

export interface ApiRateLimiterOptions {
  /** Requests per second per key, bursts of `burstFactor` times that; 0: no limit. */
  readonly perSecond: number;
  /** @default 2 (`API_RATE_PER_SECOND`'s bursts of twice the rate) */
  readonly burstFactor?: number;
  /** Shares the buckets between replicas; without it they are this process's. */
  readonly redis?: Redis | undefined;
  readonly keyPrefix: string;
}

/** A limiter of the public API as configured, or none when the limit is off. */
export function createApiRateLimiter(options: ApiRateLimiterOptions): RateLimiter | undefined {
  if (options.perSecond === 0) return undefined;
  const limit = { ratePerSecond: options.perSecond, burst: Math.max(1, Math.round((options.burstFactor ?? 2) * options.perSecond)) };
  return options.redis ? createRedisRateLimiter({ redis: options.redis, keyPrefix: options.keyPrefix, ...limit }) : createMemoryRateLimiter(limit);
}

/** 401s per address in windows of a minute (`AUTH_FAILURES_PER_IP_PER_MINUTE`), or none when the limit is off. */
export function createAuthFailureCounter(options: { perMinute: number; redis?: Redis | undefined; keyPrefix: string }): WindowCounter | undefined {
  if (options.perMinute === 0) return undefined;
  const windowMs = 60_000;
  return options.redis
    ? createRedisWindowCounter({ redis: options.redis, keyPrefix: `${options.keyPrefix}:limits:auth-failures`, windowMs })
    : createMemoryWindowCounter({ windowMs });
}
