import type { RateDecision, RateLimit, RateLimiter } from './rate-limiter.js';

export interface MemoryRateLimiterOptions extends RateLimit {
  /** Buckets kept at most; the oldest is forgotten first (it starts full again). @default 100000 */
  readonly maxKeys?: number;
}

/** Token buckets in this process: per-process limits, for a single replica or the embedded mode. */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions): RateLimiter {
  const { ratePerSecond, burst } = options;
  const maxKeys = options.maxKeys ?? 100_000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  return {
    async take(key): Promise<RateDecision> {
      const t = Date.now();
      let bucket = buckets.get(key);
      if (bucket) {
        bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) * ratePerSecond) / 1000);
        bucket.at = t;
      } else {
        if (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value!);
        bucket = { tokens: burst, at: t };
        buckets.set(key, bucket);
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      return { allowed: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) * 1000) / ratePerSecond) };
    },
  };
}
