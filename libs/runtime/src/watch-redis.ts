import type { DependencyStatus } from './dependency-status.js';

/** What `watchRedis` needs of a Redis client (ioredis's `Redis` is one). */
export interface RedisConnectionEvents {
  on(event: 'ready' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

/**
 * Reports a Redis client's connection in `status` as `redis`. The client reconnects by itself (ioredis's backoff);
 * its `error` events are handled here, so none reaches the process as an unhandled one. Not required: the
 * service serves without Redis, its rate limits failing open (CONTRACT.md, "Connection and authentication limits").
 */
export function watchRedis(redis: RedisConnectionEvents, status: DependencyStatus, target: string): void {
  status.register('redis', { target, required: false });
  redis.on('ready', () => status.up('redis'));
  redis.on('error', (error: unknown) => status.down('redis', describeRedisError(error)));
  redis.on('close', () => {
    if (status.state('redis') === 'ok') status.down('redis', 'connection closed');
  });
}

/** `host:port/db` of a Redis URL, without its password. */
export function redisTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}${parsed.pathname && parsed.pathname !== '/' ? parsed.pathname : ''}`;
  } catch {
    return '(unparsable REDIS_URL)';
  }
}

function describeRedisError(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return message.includes(code) ? message : [code, message].filter(Boolean).join(' ');
}
