import type { Kysely } from 'kysely';
import type { Logger } from '@switchboard/logger';
import { createMetricsRegistry } from '@switchboard/metrics';
import type { DependencyStatus } from '@switchboard/runtime';
import { createDatabaseServiceLifecycle } from '@switchboard/service-kit';
import type { WebhooksConfig } from './config.js';
import { migrateWebhooks } from './db/migrate.js';
import type { WebhooksDatabase } from './db/schema.js';
import { createDeliveryEngine } from './delivery/create-delivery-engine.js';
import type { WebhookEventSource } from './delivery/delivery-engine.js';
import type { PresenceReader } from './delivery/presence-reader.js';
import { createWebhooksApp } from './http/koa-app.js';
import { createWebhooksMetrics } from './metrics.js';

/** The service's slice of its configuration (`loadWebhooksConfig`). */
export type WebhooksServiceOptions = Pick<
  WebhooksConfig,
  | 'WEBHOOKS_PORT'
  | 'WEBHOOKS_HOST'
  | 'OPERATOR_TOKEN'
  | 'WEBHOOKS_RETRY_SCHEDULE'
  | 'WEBHOOKS_ALLOW_INSECURE'
  | 'WEBHOOKS_ENDPOINT_CONCURRENCY'
  | 'WEBHOOKS_CONCURRENCY'
>;

export interface WebhooksServiceDeps {
  readonly db: Kysely<WebhooksDatabase>;
  /** Where events come from (JetStream's durable consumers; the embedded bus). */
  readonly source: WebhookEventSource;
  /** Presence, read for `recipient_online`. */
  readonly presence: PresenceReader;
  readonly logger: Logger;
  /** What the service knows of its dependencies (`createWebhooksDeps`); `/readyz` reports every one registered. */
  readonly dependencies: DependencyStatus;
  /** Where the database is, for logs and errors (`databaseTarget(DATABASE_URL)`). */
  readonly databaseTarget: string;
  /** Told the port once the service listens, before it waits for the database (main.ts reports it to a parent). */
  readonly onListening?: ((port: number) => void) | undefined;
}

export interface WebhooksService extends AsyncDisposable {
  readonly port: number;
  readonly url: string;
  /** Readiness turns false at once; in-flight requests finish; the engine stops taking events and lets attempts end. */
  close(): Promise<void>;
}

/**
 * Listens at once (`/healthz` 200, `/readyz` 503 and the operator routes 503 `UNAVAILABLE` until the database is
 * ready), waits for the database and applies the `webhooks` schema's migrations, then serves the routes and starts the
 * delivery engine; resolves then. A database that does not exist or refused credentials reject it with a
 * `ConfigError` naming them (the server is closed first). Owns none of the clients: the caller closes them after this.
 */
export async function startWebhooksService(options: WebhooksServiceOptions, deps: WebhooksServiceDeps): Promise<WebhooksService> {
  const log = deps.logger;
  const lifecycle = createDatabaseServiceLifecycle({
    name: 'webhooks',
    db: deps.db,
    status: deps.dependencies,
    target: deps.databaseTarget,
    logger: log,
  });

  const registry = createMetricsRegistry({ defaultLabels: { service: 'webhooks' } });
  const metrics = createWebhooksMetrics(registry, deps.db);
  const engine = createDeliveryEngine({
    db: deps.db,
    source: deps.source,
    presence: deps.presence,
    logger: log,
    metrics: registry,
    settings: {
      retryScheduleMs: options.WEBHOOKS_RETRY_SCHEDULE,
      allowInsecure: options.WEBHOOKS_ALLOW_INSECURE,
      perEndpointConcurrency: options.WEBHOOKS_ENDPOINT_CONCURRENCY,
      totalConcurrency: options.WEBHOOKS_CONCURRENCY,
    },
  });

  const app = createWebhooksApp({
    db: deps.db,
    logger: log,
    registry,
    http: metrics.http,
    readiness: lifecycle.readiness,
    accepting: lifecycle.accepting,
    operatorToken: options.OPERATOR_TOKEN,
    allowInsecure: options.WEBHOOKS_ALLOW_INSECURE,
    wake: () => engine.wake(),
  });
  if (!options.OPERATOR_TOKEN) log.warn('OPERATOR_TOKEN is not set: the webhooks operator routes answer 404');
  if (options.WEBHOOKS_ALLOW_INSECURE) log.warn('WEBHOOKS_ALLOW_INSECURE is set: http:// and private addresses are delivered to (one machine only)');

  let engineStarted: Promise<void> | undefined;
  return lifecycle.serve({
    handler: app.callback(),
    port: options.WEBHOOKS_PORT,
    host: options.WEBHOOKS_HOST,
    onListening: deps.onListening,
    migrate: migrateWebhooks,
    start: () => {
      // Not awaited: the routes serve while NATS is still being reached (events wait in JetStream meanwhile).
      engineStarted = engine.start().catch((error: unknown) => log.error({ err: error }, 'the delivery engine failed to start'));
    },
    // Also while it is still waiting for NATS (a start that may never end): what it claimed is released for the
    // other replicas.
    stop: async () => {
      if (engineStarted) await engine.stop();
    },
  });
}
