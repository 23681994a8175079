import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import type { ServerOptions } from 'socket.io';

/**
 * The Redis streams adapter: `serverSideEmit` (credential revocations) and `fetchSockets()` across nodes. Room events
 * no longer ride it (they go over the room bus, docs/scaling.md) and connection state recovery is off, so its stream
 * stays empty. The stream, pub/sub channels and session keys all live under the gateway's key prefix (they default
 * independently).
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
