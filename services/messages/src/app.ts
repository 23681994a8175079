import type { AddressInfo } from 'node:net';
import { sql, type Kysely } from 'kysely';
import type { Logger } from '@switchboard/logger';
import { createMetricsRegistry } from '@switchboard/metrics';
import type { MessagesConfig } from './config.js';
import type { Database } from './db/schema.js';
import { describeDatabaseError } from './db/errors.js';
import { prepareDatabase } from './db/prepare-database.js';
import type { DependencyStatus } from '@switchboard/runtime';
import { createHttpServer } from './http/http-server.js';
import { createMessagesApp } from './http/koa-app.js';
import type { Readiness } from './http/routes/health.js';
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
/** How often the database is probed (`SELECT 1`); `/readyz` reports the last answer. */
const HEALTH_CHECK_INTERVAL_MS = 1000;

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
  const target = deps.databaseTarget;
  const status = deps.dependencies;
  status.register('postgres', { target, required: true });

  const registry = createMetricsRegistry({ defaultLabels: { service: 'messages' } });
  const metrics = createMessagesMetrics(registry, deps.db);
  let draining = false;
  /** The database was reached and migrated: the API may use it. */
  let prepared = false;
  let probing = false;
  const probeDatabase = async () => {
    if (probing) return; // a slow answer is still awaited: no pile-up
    probing = true;
    try {
      const failure = await databaseFailure(deps.db);
      if (failure === undefined) status.up('postgres');
      else status.down('postgres', failure);
    } finally {
      probing = false;
    }
  };
  // From the last probe, so that /readyz answers at once (a Kubernetes probe times out after 1 s by default).
  const readiness = async (): Promise<Readiness> => {
    const ready = prepared && !draining && status.requiredUp();
    return { status: ready ? 'ready' : 'unready', checks: { ...status.checks(), self: draining ? 'draining' : 'ok' } };
  };

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
    readiness,
    accepting: () => prepared,
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
  // Every replica runs it: the statement skips what another replica holds (docs/messages-service.md).
  const snoozeWakeup = createSnoozeWakeup({
    db: deps.db,
    logger: log,
    wake: wakeRelay,
    reopened: metrics.snoozeReopened,
    intervalMs: options.SNOOZE_WAKEUP_INTERVAL_MS,
    batchSize: options.SNOOZE_WAKEUP_BATCH_SIZE,
  });

  const server = createHttpServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.MESSAGES_PORT, options.MESSAGES_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port }, 'messages service listening');
  deps.onListening?.(port);

  const stopping = new AbortController();
  let monitor: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      draining = true;
      stopping.abort();
      clearInterval(monitor);
      await Promise.all([
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        }),
        relay.close(),
        snoozeWakeup.close(),
      ]);
      log.info('messages service stopped');
    })());

  try {
    await prepareDatabase({ db: deps.db, status, target, signal: stopping.signal });
  } catch (error) {
    await close();
    throw error;
  }
  prepared = true;
  relay.start();
  snoozeWakeup.start();
  // Probed in the background, so that a loss and a return are logged when they happen, and /readyz stays cheap.
  monitor = setInterval(() => void probeDatabase(), HEALTH_CHECK_INTERVAL_MS);
  monitor.unref();

  return { port, url: `http://127.0.0.1:${port}`, close, [Symbol.asyncDispose]: close };
}

/**
 * Why the database does not answer `SELECT 1` within 3 s; `undefined` when it does. Generous: a loaded database
 * that answers slowly is not lost (each "lost" is a log line and takes the replica out of the load balancer).
 */
async function databaseFailure(db: Kysely<Database>): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      sql`SELECT 1`.execute(db).then(() => undefined),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve('no answer within 3 s'), 3000))),
    ]);
  } catch (error) {
    return describeDatabaseError(error);
  } finally {
    clearTimeout(timer);
  }
}
