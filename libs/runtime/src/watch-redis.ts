import { describeDependencyError, type DependencyStatus } from './dependency-status.js';

/** What `watchRedis` needs of a Redis client (ioredis's `Redis` is one). */
export interface RedisConnectionEvents {
  /** `ready` while connected (ioredis's `status`). */
  readonly status: string;
  on(event: 'ready' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  off(event: 'ready' | 'close', listener: () => void): unknown;
  off(event: 'error', listener: (error: unknown) => void): unknown;
}

export interface WatchRedisOptions {
  /**
   * Whether the service cannot serve without Redis (`/readyz` 503 while it is down): the gateway, whose presence,
   * sessions and Socket.IO adapter live there. Not the messages and webhooks services, which serve without it,
   * their rate limits failing open (CONTRACT.md, "Connection and authentication limits"). Default false.
   */
  readonly required?: boolean;
}

/**
 * Reports Redis in `status` as `redis`: up while every one of `clients` (one, or the several a service opens on the
 * same server) is connected, down as soon as one is not. The clients reconnect by themselves (ioredis's backoff);
 * their `error` events are handled here, so none reaches the process as an unhandled one. An error on a connected
 * client is kept as the cause of the `close` that follows, if one does. `stop()` before a deliberate `quit()`,
 * which is no loss to report.
 */
export function watchRedis(
  clients: RedisConnectionEvents | readonly RedisConnectionEvents[],
  status: DependencyStatus,
  target: string,
  options: WatchRedisOptions = {},
): { stop(): void } {
  const all: readonly RedisConnectionEvents[] = Array.isArray(clients) ? clients : [clients as RedisConnectionEvents];
  status.register('redis', { target, required: options.required ?? false });
  const stops = all.map((client) => {
    let cause = 'connection closed';
    const onReady = () => {
      cause = 'connection closed';
      if (all.every((c) => c.status === 'ready')) status.up('redis');
    };
    const onError = (error: unknown) => {
      cause = describeDependencyError(error);
      if (client.status !== 'ready') status.down('redis', cause);
    };
    const onClose = () => {
      if (status.state('redis') === 'ok') status.down('redis', cause);
    };
    client.on('ready', onReady);
    client.on('error', onError);
    client.on('close', onClose);
    return () => {
      client.off('ready', onReady);
      client.off('error', onError);
      client.off('close', onClose);
    };
  });
  if (all.every((c) => c.status === 'ready')) status.up('redis');
  return {
    stop() {
      for (const stop of stops) stop();
    },
  };
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
