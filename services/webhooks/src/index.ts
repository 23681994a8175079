export type { WebhooksDatabase } from './db/schema.js';
export { migrateWebhooks, WEBHOOKS_MIGRATION_NAMES, WEBHOOKS_SCHEMA } from './db/migrate.js';
