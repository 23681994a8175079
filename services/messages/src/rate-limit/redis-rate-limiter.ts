import type { Redis } from 'ioredis';
import type { RateDecision, RateLimit, RateLimiter } from './rate-limiter.js';

export interface RedisRateLimiterOptions extends RateLimit {
  readonly redis: Redis;
  /** Keys are `<prefix>:ratelimit:<caller>`. */
  readonly keyPrefix: string;
}

// One round trip, atomic across replicas, on Redis's clock (replicas' clocks may differ). The bucket expires once it
// would be full again.
const TAKE_TOKEN = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
else
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
end
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  retry = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return retry
`;

type WithTakeToken = Redis & { switchboardTakeToken(key: string, rate: number, burst: number): Promise<number> };

/**
 * Token buckets in Redis: one limit per key across every replica. A command that fails rejects (the service fails
 * open around it: `failingOpen`).
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const redis = options.redis as WithTakeToken;
  redis.defineCommand('switchboardTakeToken', { numberOfKeys: 1, lua: TAKE_TOKEN });
  return {
    async take(key): Promise<RateDecision> {
      const retryAfterMs = await redis.switchboardTakeToken(`${options.keyPrefix}:ratelimit:${key}`, options.ratePerSecond, options.burst);
      return retryAfterMs > 0 ? { allowed: false, retryAfterMs } : { allowed: true };
    },
  };
}
