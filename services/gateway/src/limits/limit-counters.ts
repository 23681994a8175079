import type { Redis } from 'ioredis';
import { createMemoryWindowCounter, createRedisWindowCounter, type WindowCounter } from '@switchboard/runtime';

/** The per-address counters of the handshake limits. */
export interface LimitCounters {
  /** Failed handshakes per address, windows of a minute (`AUTH_FAILURES_PER_IP_PER_MINUTE`). */
  readonly failures: WindowCounter;
  /** Namespace connections per address, windows of 10 s (`CONNECTIONS_PER_IP_PER_10S`). */
  readonly connections: WindowCounter;
}

const FAILURE_WINDOW_MS = 60_000;
const CONNECTION_WINDOW_MS = 10_000;

/** Counters in Redis under `<REDIS_KEY_PREFIX>:limits:`, shared by every node. */
export function createRedisLimitCounters(redis: Redis, keyPrefix: string): LimitCounters {
  return {
    failures: createRedisWindowCounter({ redis, keyPrefix: `${keyPrefix}:limits:auth-failures`, windowMs: FAILURE_WINDOW_MS }),
    connections: createRedisWindowCounter({ redis, keyPrefix: `${keyPrefix}:limits:connections`, windowMs: CONNECTION_WINDOW_MS }),
  };
}

/** Counters of this process alone: the embedded mode without Redis. */
export function createMemoryLimitCounters(): LimitCounters {
  return {
    failures: createMemoryWindowCounter({ windowMs: FAILURE_WINDOW_MS }),
    connections: createMemoryWindowCounter({ windowMs: CONNECTION_WINDOW_MS }),
  };
}
