import type { Redis } from 'ioredis';
import type { Logger } from '@switchboard/logger';
import { createMemoryRateLimiter } from './memory-rate-limiter.js';
import type { RateLimiter } from './rate-limiter.js';
import { createRedisRateLimiter } from './redis-rate-limiter.js';

export interface ApiRateLimiterOptions {
  /** `API_RATE_PER_SECOND`: requests per second per caller, bursts of twice that; 0: no limit. */
  readonly perSecond: number;
  /** Shares the buckets between replicas; without it they are this process's. */
  readonly redis?: Redis | undefined;
  readonly keyPrefix: string;
  readonly logger: Logger;
}

/** The public API's limiter as configured, or none when the limit is off. */
export function createApiRateLimiter(options: ApiRateLimiterOptions): RateLimiter | undefined {
  if (options.perSecond === 0) return undefined;
  const limit = { ratePerSecond: options.perSecond, burst: 2 * options.perSecond };
  return options.redis
    ? createRedisRateLimiter({ redis: options.redis, keyPrefix: options.keyPrefix, logger: options.logger, ...limit })
    : createMemoryRateLimiter(limit);
}
