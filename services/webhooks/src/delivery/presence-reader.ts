/**
 * What the engine reads of presence, for `message.created`'s `recipient_online`. The port and its two adapters
 * (Redis, and the in-memory store of `npm start`) live in `@switchboard/presence`, beside the key layout the
 * gateway writes: `createRedisPresenceReader({ redis, prefix: presenceKeyPrefix(REDIS_KEY_PREFIX) })`, or the
 * embedded stand-ins' `presenceReader`.
 */
export type { PresenceReader } from '@switchboard/presence';
