import { createGauge, createHttpDurationHistogram, type Gauge, type HttpDurationHistogram, type Registry } from '@switchboard/metrics';
import type { Kysely } from 'kysely';
import type { WebhooksDatabase } from './db/schema.js';

export interface WebhooksMetrics {
  readonly http: HttpDurationHistogram;
  /** Endpoints registered, read from Postgres at scrape time (right whichever replica changed them). */
  readonly endpoints: Gauge;
}

/**
 * The service's own metrics, beside the delivery engine's (`WEBHOOK_METRICS`, created by the engine on the same
 * registry).
 */
export function createWebhooksMetrics(registry: Registry, db: Kysely<WebhooksDatabase>): WebhooksMetrics {
  return {
    http: createHttpDurationHistogram(registry),
    endpoints: createGauge(registry, 'switchboard_webhooks_endpoints', 'Webhook endpoints registered, all apps together.', [], async function () {
      const row = await db
        .selectFrom('webhooks.endpoints')
        .select((eb) => eb.fn.countAll<string>().as('count'))
        .executeTakeFirst()
        .catch(() => undefined);
      this.set(row ? Number(row.count) : Number.NaN);
    }),
  };
}
