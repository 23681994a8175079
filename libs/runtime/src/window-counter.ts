/** Hits counted in the current window of a key, and how long until that window ends. */
export interface WindowCount {
  readonly count: number;
  /** Milliseconds until the window ends and the count starts again from 0 (0 when nothing was counted). */
  readonly resetMs: number;
}

/**
 * Fixed-window counters, one per key (failed authentications per address per minute, connections per address per
 * 10 s). A window starts with its key's first hit and ends `windowMs` later. Two adapters: in memory (one process)
 * and Redis (shared by every node). Cheap and coarse on purpose: at a window's edge an address may get up to twice
 * its limit, which is fine for limits sized far above what honest clients do.
 */
export interface WindowCounter {
  /** Counts one hit for `key` and returns the window's count including it. */
  hit(key: string): Promise<WindowCount>;
  /** The window's count without adding to it. */
  peek(key: string): Promise<WindowCount>;
}

export interface MemoryWindowCounterOptions {
  readonly windowMs: number;
  /** Keys kept at most; the oldest is forgotten first (its count starts again). @default 100000 */
  readonly maxKeys?: number;
  readonly now?: () => number;
}

/** Counters in this process: per-process limits, for a single node or the embedded mode. */
export function createMemoryWindowCounter(options: MemoryWindowCounterOptions): WindowCounter {
  const windows = new Map<string, { count: number; endsAt: number }>();
  const maxKeys = options.maxKeys ?? 100_000;
  const now = options.now ?? Date.now;
  const current = (key: string, at: number) => {
    const window = windows.get(key);
    if (window && window.endsAt > at) return window;
    if (window) windows.delete(key);
    return undefined;
  };
  return {
    async hit(key) {
      const at = now();
      let window = current(key, at);
      if (!window) {
        if (windows.size >= maxKeys) windows.delete(windows.keys().next().value!);
        window = { count: 0, endsAt: at + options.windowMs };
        windows.set(key, window);
      }
      window.count++;
      return { count: window.count, resetMs: window.endsAt - at };
    },
    async peek(key) {
      const at = now();
      const window = current(key, at);
      return window ? { count: window.count, resetMs: window.endsAt - at } : { count: 0, resetMs: 0 };
    },
  };
}

/** The part of a Redis client the Redis counter needs (ioredis fits). */
export interface RedisScripting {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

// KEYS: the counter. ARGV: window ms. The window starts with the first hit (its TTL); returns {count, ttl ms}.
const HIT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;
const PEEK = `
local count = redis.call('GET', KEYS[1])
if not count then return {0, 0} end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = 0 end
return {tonumber(count), ttl}
`;

export interface RedisWindowCounterOptions {
  readonly redis: RedisScripting;
  /** Keys are `<keyPrefix>:<key>`. */
  readonly keyPrefix: string;
  readonly windowMs: number;
}

/** Counters in Redis, one round trip each, shared by every node. A failed command rejects: the caller fails open. */
export function createRedisWindowCounter(options: RedisWindowCounterOptions): WindowCounter {
  const run = async (script: string, key: string): Promise<WindowCount> => {
    const [count, resetMs] = (await options.redis.eval(script, 1, `${options.keyPrefix}:${key}`, options.windowMs)) as [number, number];
    return { count, resetMs };
  };
  return {
    hit: (key) => run(HIT, key),
    peek: (key) => run(PEEK, key),
  };
}
