import type { Redis } from 'ioredis';
import type { Logger } from '@switchboard/logger';
import { createFailOpen, createMemoryWindowCounter, createRedisWindowCounter, type FailOpen, type WindowCounter } from '@switchboard/runtime';
import type { GatewayMetrics } from '../metrics.js';

/** The per-address counters of the handshake limits. */
export interface LimitCounters {
  /** Failed handshakes per address, windows of a minute (`AUTH_FAILURES_PER_IP_PER_MINUTE`). */
  readonly failures: WindowCounter;
  /** Namespace connections per address, windows of 10 s (`CONNECTIONS_PER_IP_PER_10S`). */
  readonly connections: WindowCounter;
}

const FAILURE_WINDOW_MS = 60_000;
const CONNECTION_WINDOW_MS = 10_000;
/** A limit check that Redis has not answered within this lets the handshake through. */
const LIMIT_CHECK_TIMEOUT_MS = 500;

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

/** Fail open on a Redis outage: counted per limit in `switchboard_gateway_limits_fail_open_total`, logged once. */
export function createLimitsFailOpen(metrics: GatewayMetrics, logger: Logger): FailOpen {
  const log = logger.child({ component: 'limits' });
  return createFailOpen({
    timeoutMs: LIMIT_CHECK_TIMEOUT_MS,
    onFailOpen: (limit, error) => {
      metrics.limitsFailOpen.inc({ limit });
      log.debug({ err: error, limit }, 'limit not checked');
    },
    onOutage: (error) => log.warn({ err: error }, 'Redis unavailable: connection and authentication limits are not applied (failing open)'),
    onRecovered: (failures) => log.info({ failures }, 'connection and authentication limits are applied again'),
  });
}
