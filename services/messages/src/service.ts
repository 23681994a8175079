import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql, type Kysely } from 'kysely';
import type { Logger } from '@switchboard/logger';
import { createMetricsRegistry } from '@switchboard/metrics';
import { createMessagesApp } from './app.js';
import type { Database } from './db/schema.js';
import { migrateToLatest } from './db/migrate.js';
import { createMessagesMetrics } from './metrics.js';
import { createOutboxRelay } from './outbox/outbox-relay.js';
import type { Publisher } from './outbox/publisher.js';
import type { RelayCoordinator } from './outbox/relay-coordinator.js';
import type { RateLimiter } from './rate-limit/rate-limiter.js';

export interface MessagesServiceOptions {
  readonly port: number;
  readonly host?: string;
  readonly operatorToken?: string | undefined;
  readonly internalToken?: string | undefined;
  readonly allowedOrigins?: readonly string[] | undefined;
  readonly outboxBatchSize?: number;
  readonly outboxPollIntervalMs?: number;
  /** Sends per transaction at most. @default 256 */
  readonly sendBatchSize?: number;
  /** Send transactions in flight at once. @default 4 */
  readonly sendConcurrency?: number;
  readonly version?: string;
}

export interface MessagesServiceDeps {
  readonly db: Kysely<Database>;
  readonly publisher: Publisher;
  readonly coordinator: RelayCoordinator;
  readonly logger: Logger;
  /** Per-caller request rate on the public API (`API_RATE_PER_SECOND`); none: no limit. */
  readonly rateLimiter?: RateLimiter | undefined;
}

export interface MessagesService extends AsyncDisposable {
  readonly port: number;
  readonly url: string;
  /** Readiness turns false at once; in-flight requests finish; the relay stops after its batch. */
  close(): Promise<void>;
}

/**
 * Migrates, then serves the API and runs the outbox relay. Owns neither the database nor the broker connection:
 * the caller (main.ts, a test) closes those after this.
 */
export async function startMessagesService(
  options: MessagesServiceOptions,
  deps: MessagesServiceDeps,
): Promise<MessagesService> {
  const log = deps.logger;
  await migrateToLatest(deps.db);

  const registry = createMetricsRegistry({ defaultLabels: { service: 'messages' } });
  const metrics = createMessagesMetrics(registry, deps.db);
  let draining = false;
  const ready = async () => !draining && (await databaseAnswers(deps.db));

  const app = createMessagesApp({
    db: deps.db,
    logger: log,
    registry,
    metrics,
    ready,
    operatorToken: options.operatorToken,
    internalToken: options.internalToken,
    allowedOrigins: options.allowedOrigins,
    version: options.version ?? '0.0.0',
    sendBatchSize: options.sendBatchSize,
    sendConcurrency: options.sendConcurrency,
    rateLimiter: deps.rateLimiter,
  });
  if (!options.operatorToken) log.warn('OPERATOR_TOKEN is not set: the operator API (POST /v1/apps) answers 404');
  if (!options.allowedOrigins) log.warn('ALLOWED_ORIGINS is not set: CORS allows any origin');

  const relay = createOutboxRelay({
    db: deps.db,
    publisher: deps.publisher,
    coordinator: deps.coordinator,
    logger: log,
    metrics: { published: metrics.outboxPublished, failed: metrics.outboxFailed },
    ...(options.outboxBatchSize ? { batchSize: options.outboxBatchSize } : {}),
    ...(options.outboxPollIntervalMs ? { pollIntervalMs: options.outboxPollIntervalMs } : {}),
  });

  const server = http.createServer(app.callback());
  // Longer than a load balancer's idle timeout, so the balancer closes idle connections first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  relay.start();
  const port = (server.address() as AddressInfo).port;
  log.info({ port }, 'messages service listening');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      draining = true;
      await Promise.all([
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        }),
        relay.close(),
      ]);
      log.info('messages service stopped');
    })());

  return { port, url: `http://127.0.0.1:${port}`, close, [Symbol.asyncDispose]: close };
}

async function databaseAnswers(db: Kysely<Database>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      sql`SELECT 1`.execute(db).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 1000))),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
