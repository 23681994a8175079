/** What other packages (the embedded single-process mode, tests) compose. */
export type { WebhooksDatabase } from './db/schema.js';
export { migrateWebhooks, WEBHOOKS_MIGRATION_NAMES, WEBHOOKS_SCHEMA } from './db/migrate.js';
export { DEFAULT_RETRY_SCHEDULE_MS, loadWebhooksConfig, WebhooksEnv, WebhooksOwnEnv, type WebhooksConfig } from './config.js';
export { startWebhooksService, type WebhooksService, type WebhooksServiceDeps, type WebhooksServiceOptions } from './app.js';
export { createWebhooksDeps, type WebhooksDeps, type WebhooksDepsConfig, type WebhooksStandIns } from './deps.js';
export type {
  DeliveryEngine,
  DeliveryEngineDeps,
  DeliveryEngineSettings,
  SourceEvent,
  WebhookEventSource,
} from './delivery/delivery-engine.js';
export { WEBHOOK_METRICS } from './delivery/delivery-engine.js';
export type { PresenceReader } from './delivery/presence-reader.js';
export { createDeliveryEngine } from './delivery/create-delivery-engine.js';
export { createJetStreamEventSource, WEBHOOKS_ACK_WAIT_MS } from './delivery/jetstream-source.js';
export { refusedAddressRange } from './delivery/address-policy.js';
