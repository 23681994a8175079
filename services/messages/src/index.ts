/** What other packages (the embedded single-process mode) compose. */
export { loadMessagesConfig, MessagesEnv, MessagesTuningEnv, type MessagesConfig } from './config.js';
export { startMessagesService, type MessagesService, type MessagesServiceDeps, type MessagesServiceOptions } from './app.js';
export { createMessagesDeps, type MessagesDeps, type MessagesDepsConfig, type MessagesStandIns } from './deps.js';
export { createPostgresDatabase, type PostgresDatabase } from './db/postgres.js';
export { migrateToLatest } from './db/migrate.js';
export type { Database } from './db/schema.js';
export { createJetStreamPublisher, ensureStreams } from './outbox/jetstream-publisher.js';
export type { Publisher } from './outbox/publisher.js';
export { createPgRelayCoordinator } from './outbox/pg-relay-coordinator.js';
export type { RelayCoordinator } from './outbox/relay-coordinator.js';
export { createPgliteRelayCoordinator } from './outbox/pglite-relay-coordinator.js';
export { createPgliteDatabase, type PgliteDatabase } from './db/pglite.js';
export { createApp, updateAppPolicy } from './use-cases/apps.js';
export { createIdentityKey, listIdentityKeys, removeIdentityKey } from './use-cases/identity-keys.js';
export { findAppById } from './repositories/apps.js';
export { createApiRateLimiter } from './rate-limit/api-rate-limiter.js';
export type { RateLimiter, RateDecision } from './rate-limit/rate-limiter.js';
export { conversationListQuery, type ConversationFilters } from './repositories/conversations.js';
