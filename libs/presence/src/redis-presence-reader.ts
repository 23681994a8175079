import type { Redis } from 'ioredis';
import { presenceKeys } from './presence-keys.js';
import type { PresenceReader } from './presence-reader.js';

export interface RedisPresenceReaderOptions {
  /** Only `exists` is used: any client (or a read replica's) will do. */
  readonly redis: Pick<Redis, 'exists'>;
  /** The gateway's presence prefix: `presenceKeyPrefix(REDIS_KEY_PREFIX)`. */
  readonly prefix: string;
}

/**
 * Presence read from the gateway's registry in Redis: one `EXISTS` per question (a set is deleted by Redis when
 * its last member leaves, so an existing key means at least one live connection).
 */
export function createRedisPresenceReader(options: RedisPresenceReaderOptions): PresenceReader {
  const { redis } = options;
  const keys = presenceKeys(options.prefix);
  const exists = async (key: string) => (await redis.exists(key)) === 1;
  return {
    isDeviceOnline: (appId, deviceId) => exists(keys.device(appId, deviceId)),
    isUserOnline: (appId, userId) => exists(keys.user(appId, userId)),
    isAnyAgentOnline: (appId) => exists(keys.agents(appId)),
  };
}
