import type { Redis } from 'ioredis';
import type { DependencyState } from './dependency-state.js';

/**
 * Follows an ioredis client's connection: `ready` is up; an error or a closed connection is down. ioredis itself
 * retries with backoff (its `retryStrategy`), so there is nothing to retry here.
 */
export function followRedis(redis: Redis, state: DependencyState): void {
  let lastError: unknown = new Error('connection closed');
  redis.on('ready', () => state.up());
  redis.on('error', (error: unknown) => {
    lastError = error;
    if (redis.status !== 'ready') state.down(error);
  });
  redis.on('close', () => state.down(lastError));
  if (redis.status === 'ready') state.up();
}
