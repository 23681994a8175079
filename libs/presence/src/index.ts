export { agentMember, nodeAgentMember, nodeConnectionName, parseNodeAgentMember, presenceKeyPrefix, presenceKeys, type PresenceKeys } from './presence-keys.js';
export type { PresenceReader } from './presence-reader.js';
export { createRedisPresenceReader, type RedisPresenceReaderOptions } from './redis-presence-reader.js';
export { createMemoryPresence, type LiveSets, type MemoryPresence } from './memory-presence.js';
