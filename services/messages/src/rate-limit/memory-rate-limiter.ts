import { fullBucket, takeToken, type TokenBucket, type TokenRate } from '@switchboard/runtime';
import type { RateDecision, RateLimit, RateLimiter } from './rate-limiter.js';

export interface MemoryRateLimiterOptions extends RateLimit {
  /** Buckets kept at most; the oldest is forgotten first (it starts full again). @default 100000 */
  readonly maxKeys?: number;
}

/** Token buckets in this process: per-process limits, for a single replica or the embedded mode. */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions): RateLimiter {
  const rate: TokenRate = { ratePerSecond: options.ratePerSecond, burst: options.burst };
  const maxKeys = options.maxKeys ?? 100_000;
  const buckets = new Map<string, TokenBucket>();

  return {
    async take(key): Promise<RateDecision> {
      let bucket = buckets.get(key);
      if (!bucket) {
        if (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value!);
        bucket = fullBucket(rate);
        buckets.set(key, bucket);
      }
      const retryAfterMs = takeToken(bucket, rate);
      return retryAfterMs === 0 ? { allowed: true } : { allowed: false, retryAfterMs };
    },
  };
}
