import type { Redis } from 'ioredis';
import type { DependencyState } from './dependency-state.js';

/**
 * Follows an ioredis client's connection: `ready` is up; an error or a closed connection is down. ioredis itself
 * retries with backoff (its `retryStrategy`), so there is nothing to retry here.
 */
export function followRedis(redis: Redis, state: DependencyState): { stop(): void } {
  let lastError: unknown = new Error('connection closed');
  const onReady = () => state.up();
  const onError = (error: unknown) => {
    lastError = error;
    if (redis.status !== 'ready') state.down(error);
  };
  const onClose = () => state.down(lastError);
  redis.on('ready', onReady).on('error', onError).on('close', onClose);
  if (redis.status === 'ready') state.up();
  return {
    // Before a deliberate `quit()`, which is no loss to report.
    stop() {
      redis.off('ready', onReady).off('error', onError).off('close', onClose);
    },
  };
}
