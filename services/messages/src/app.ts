import type { Kysely } from 'kysely';
import type { Logger } from '@switchboard/logger';
import { createMetricsRegistry } from '@switchboard/metrics';
import type { MessagesConfig } from './config.js';
import type { Database } from './db/schema.js';
import { createDatabaseServiceLifecycle } from '@switchboard/service-kit';
import type { DependencyStatus } from '@switchboard/runtime';
import { migrateToLatest } from './db/migrate.js';
import { createMessagesApp } from './http/koa-app.js';
import { createMessagesMetrics } from './metrics.js';
import { createOutboxRelay } from './outbox/outbox-relay.js';
import type { Publisher } from './outbox/publisher.js';
import type { RelayCoordinator } from './outbox/relay-coordinator.js';
import { createOutboxNotifier } from './repositories/outbox.js';
import { createSnoozeWakeup } from './use-cases/snooze-wakeup.js';
import { failingOpen, type RateLimiter } from './rate-limit/rate-limiter.js';
import { failureCounterFailingOpen } from './rate-limit/limits-fail-open.js';
import { createLimitsFailOpen, type WindowCounter } from '@switchboard/runtime';

/** The service's slice of its configuration (`loadMessagesConfig`), as `startGateway` takes the gateway's. */
export type MessagesServiceOptions = Pick<
  MessagesConfig,
  | 'MESSAGES_PORT'
  | 'MESSAGES_HOST'
  | 'OPERATOR_TOKEN'
  | 'INTERNAL_TOKEN'
  | 'ALLOWED_ORIGINS'
  | 'OUTBOX_BATCH_SIZE'
  | 'OUTBOX_POLL_INTERVAL_MS'
  | 'SNOOZE_WAKEUP_INTERVAL_MS'
  | 'SNOOZE_WAKEUP_BATCH_SIZE'
  | 'SEND_BATCH_SIZE'
  | 'SEND_CONCURRENCY'
  | 'TRUSTED_PROXY_HOPS'
  | 'AUTH_FAILURES_PER_IP_PER_MINUTE'
>;

/** The API version in the OpenAPI document. */
const VERSION = '0.0.0';

export interface MessagesServiceDeps {
  readonly db: Kysely<Database>;
  readonly publisher: Publisher;
  readonly coordinator: RelayCoordinator;
  readonly logger: Logger;
  /** Per-caller request rate on the public API (`API_RATE_PER_SECOND`); none: no limit. */
  readonly rateLimiter: RateLimiter | undefined;
  /** Requests per client address (`API_RATE_PER_IP_PER_SECOND`); none: no limit. */
  readonly addressRateLimiter?: RateLimiter | undefined;
  /** 401s per client address per minute (`AUTH_FAILURES_PER_IP_PER_MINUTE`); none: off. */
  readonly authFailures?: WindowCounter | undefined;
  /**
   * What the service knows of its dependencies, shared with whoever watches NATS and Redis (`createMessagesDeps`);
   * `/readyz` reports every one registered there.
   */
  readonly dependencies: DependencyStatus;
  /** Where the database is, for logs and errors (`databaseTarget(DATABASE_URL)`). */
  readonly databaseTarget: string;
  /** Told the port once the service listens, before it waits for the database (main.ts reports it to a parent). */
  readonly onListening?: ((port: number) => void) | undefined;
}

export interface MessagesService extends AsyncDisposable {
  readonly port: number;
  readonly url: string;
  /** Readiness turns false at once; in-flight requests finish; the relay and the snooze wake-up stop after their batch. */
  close(): Promise<void>;
}

/**
 * Listens at once (`/healthz` 200, `/readyz` 503 and the API 503 `UNAVAILABLE` until the database is ready), waits
 * for the database and migrates it, then serves the API and runs the outbox relay and the snooze wake-up; resolves
 * then. A database that does not exist or refused credentials reject it with a `ConfigError` naming them (the
 * server is closed first). Owns neither the database nor the broker connection: the caller (main.ts, a test)
 * closes those after this.
 */
export async function startMessagesService(
  options: MessagesServiceOptions,
  deps: MessagesServiceDeps,
): Promise<MessagesService> {
  const log = deps.logger;
  const status = deps.dependencies;
  const lifecycle = createDatabaseServiceLifecycle({
    name: 'messages',
    db: deps.db,
    status,
    target: deps.databaseTarget,
    logger: log,
  });

  const registry = createMetricsRegistry({ defaultLabels: { service: 'messages' } });
  const metrics = createMessagesMetrics(registry, deps.db);
  // A Redis outage lets every request through, counted per limit and logged once (not once per request).
  const failOpen = createLimitsFailOpen({ failedOpen: metrics.limitsFailOpen, log: log.child({ component: 'limits' }), limits: 'rate and authentication-failure limits' });
  // One coalescing NOTIFY for every writer of this replica: the API's and the snooze wake-up's.
  const notifyLog = log.child({ component: 'outbox-notify' });
  const wakeRelay = createOutboxNotifier(deps.db, (error) => notifyLog.warn({ err: error }, 'outbox NOTIFY failed; the relay will poll'));
  const app = createMessagesApp({
    wakeRelay,
    db: deps.db,
    logger: log,
    registry,
    metrics,
    readiness: lifecycle.readiness,
    accepting: lifecycle.accepting,
    operatorToken: options.OPERATOR_TOKEN,
    internalToken: options.INTERNAL_TOKEN,
    allowedOrigins: options.ALLOWED_ORIGINS,
    version: VERSION,
    sendBatchSize: options.SEND_BATCH_SIZE,
    sendConcurrency: options.SEND_CONCURRENCY,
    rateLimiter: deps.rateLimiter && failingOpen(deps.rateLimiter, 'api_rate', failOpen),
    addressLimits: {
      trustedProxyHops: options.TRUSTED_PROXY_HOPS,
      rate: deps.addressRateLimiter && failingOpen(deps.addressRateLimiter, 'api_rate_per_address', failOpen),
      failures: deps.authFailures && failureCounterFailingOpen(deps.authFailures, failOpen),
      failuresPerMinute: options.AUTH_FAILURES_PER_IP_PER_MINUTE,
    },
  });
  if (!options.OPERATOR_TOKEN) log.warn('OPERATOR_TOKEN is not set: the operator API (POST /v1/apps) answers 404');
  if (!options.ALLOWED_ORIGINS) log.warn('ALLOWED_ORIGINS is not set: CORS allows any origin');

  const relay = createOutboxRelay({
    db: deps.db,
    publisher: deps.publisher,
    coordinator: deps.coordinator,
    logger: log,
    metrics: { published: metrics.outboxPublished, failed: metrics.outboxFailed },
    batchSize: options.OUTBOX_BATCH_SIZE,
    pollIntervalMs: options.OUTBOX_POLL_INTERVAL_MS,
  });
  // NATS or Postgres back: publish the backlog now, not when the relay's backoff runs out.
  status.onBack(() => relay.retryNow());
  // Every replica runs it: the statement skips what another replica holds (docs/messages-service.md).
  const snoozeWakeup = createSnoozeWakeup({
    db: deps.db,
    logger: log,
    wake: wakeRelay,
    reopened: metrics.snoozeReopened,
    intervalMs: options.SNOOZE_WAKEUP_INTERVAL_MS,
    batchSize: options.SNOOZE_WAKEUP_BATCH_SIZE,
  });

  return lifecycle.serve({
    handler: app.callback(),
    port: options.MESSAGES_PORT,
    host: options.MESSAGES_HOST,
    onListening: deps.onListening,
    migrate: migrateToLatest,
    start: () => {
      relay.start();
      snoozeWakeup.start();
    },
    stop: () => Promise.all([relay.close(), snoozeWakeup.close()]),
  });
}
