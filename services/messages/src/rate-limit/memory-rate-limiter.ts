import { fullBucket, takeToken, type TokenBucket, type TokenRate } from '@switchboard/runtime';
import type { RateDecision, RateLimit, RateLimiter } from './rate-limiter.js';

/** Buckets kept at most; the oldest is forgotten first (it starts full again). */
const MAX_KEYS = 100_000;

/** Token buckets in this process: per-process limits, for a single replica or the embedded mode. */
export function createMemoryRateLimiter(options: RateLimit): RateLimiter {
  const rate: TokenRate = { ratePerSecond: options.ratePerSecond, burst: options.burst };
  const buckets = new Map<string, TokenBucket>();

  return {
    async take(key): Promise<RateDecision> {
      let bucket = buckets.get(key);
      if (!bucket) {
        if (buckets.size >= MAX_KEYS) buckets.delete(buckets.keys().next().value!);
        bucket = fullBucket(rate);
        buckets.set(key, bucket);
      }
      const retryAfterMs = takeToken(bucket, rate);
      return retryAfterMs === 0 ? { allowed: true } : { allowed: false, retryAfterMs };
    },
  };
}
