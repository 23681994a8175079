/** What other packages (the embedded single-process mode) compose. */
export { startGateway, type Gateway, type GatewayDeps, type GatewayOptions } from './app.js';
export { createGatewayDeps, type GatewayClients, type GatewayDepsConfig, type GatewayStandIns } from './deps.js';
export { loadGatewayConfig, GatewayEnv, GatewayTuningEnv, type GatewayConfig } from './config.js';
export { createHttpMessagesApi, type MessagesApi } from './messages-api.js';
export type { ConnectionRegistry } from './presence/connection-registry.js';
export { createRedisConnectionRegistry } from './presence/redis-connection-registry.js';
export { createMemoryConnectionRegistry } from './presence/memory-connection-registry.js';
export { createJetStreamFanout, FANOUT_PACE_MS, FANOUT_PULL_EXPIRES_MS, FANOUT_RETRY_DELAY_MS } from './fanout/jetstream-fanout.js';
export type { FanoutHandler, FanoutSource } from './fanout/fanout-handler.js';
export { createRedisStreamsAdapter } from './socket/redis-adapter.js';
export { createLocalRooms } from './fanout/local-room-bus.js';
export type { CreateRooms } from './fanout/room-interest.js';
