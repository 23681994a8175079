import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import type { ServerOptions } from 'socket.io';

/**
 * The Redis streams adapter: room broadcasts, `fetchSockets()` and connection state recovery across nodes. The
 * stream, pub/sub channels and session keys all live under the gateway's key prefix (they default independently).
 */
export function createRedisStreamsAdapter(redis: Redis, prefix: string): ServerOptions['adapter'] {
  return createAdapter(redis, {
    streamName: `${prefix}:socket.io`,
    channelPrefix: `${prefix}:socket.io`,
    sessionKeyPrefix: `${prefix}:sio-session:`,
    maxLen: 100_000,
    onlyPlaintext: true,
  });
}
