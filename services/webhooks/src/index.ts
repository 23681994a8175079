/** What other packages (the embedded single-process mode, tests) compose. */
export type { WebhooksDatabase } from './db/schema.js';
export { migrateWebhooks, WEBHOOKS_MIGRATION_NAMES, WEBHOOKS_SCHEMA } from './db/migrate.js';
export { DEFAULT_RETRY_SCHEDULE_MS, loadWebhooksConfig, WebhooksEnv, WebhooksOwnEnv, type WebhooksConfig } from './config.js';
export { startWebhooksService, type WebhooksService, type WebhooksServiceDeps, type WebhooksServiceOptions } from './app.js';
export { createWebhooksDeps, type WebhooksDeps, type WebhooksDepsConfig, type WebhooksStandIns } from './deps.js';
// Until the JetStream source and the presence readers land (replaced when the branches are combined).
export { pendingSource } from './delivery/pending-adapters.js';
