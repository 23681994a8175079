import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { onNatsCredentialsRefused } from '@switchboard/config';
import type { Logger } from '@switchboard/logger';
import { connectNats, createDependencyStatus, redisTarget, watchRedis } from '@switchboard/runtime';
import { natsNames } from '@switchboard/protocol';
import type { Kysely } from 'kysely';
import type { MessagesServiceDeps } from './app.js';
import type { MessagesConfig } from './config.js';
import { databaseTarget } from './db/errors.js';
import { createPostgresDatabase } from './db/postgres.js';
import { createJetStreamPublisher } from './outbox/jetstream-publisher.js';
import { createPgRelayCoordinator } from './outbox/pg-relay-coordinator.js';
import type { Publisher } from './outbox/publisher.js';
import type { RelayCoordinator } from './outbox/relay-coordinator.js';
import type { Database } from './db/schema.js';
import { createApiRateLimiter, createAuthFailureCounter } from './rate-limit/api-rate-limiter.js';
import type { RateLimiter } from './rate-limit/rate-limiter.js';

/** The variables the clients are built from; a URL may be missing where a stand-in is given instead. */
export type MessagesDepsConfig = Pick<
  MessagesConfig,
  | 'DATABASE_POOL_SIZE'
  | 'NATS_CREDS'
  | 'NATS_PREFIX'
  | 'REDIS_URL'
  | 'REDIS_KEY_PREFIX'
  | 'API_RATE_PER_SECOND'
  | 'API_RATE_PER_IP_PER_SECOND'
  | 'AUTH_FAILURES_PER_IP_PER_MINUTE'
> & { readonly DATABASE_URL?: string | undefined; readonly NATS_URL?: string | undefined };

/** What the embedded mode (`npm start`) gives in place of a server whose URL is not set. */
export interface MessagesStandIns {
  /** In place of Postgres: PGlite, its relay coordinator, where it is (for logs); `close()` closes the database. */
  readonly database?: {
    readonly db: Kysely<Database>;
    readonly coordinator: RelayCoordinator;
    readonly target: string;
    close(): Promise<void>;
  };
  /** In place of JetStream: the in-process bus. */
  readonly publisher?: Publisher;
  /** In place of the limiter built from `API_RATE_PER_SECOND` and `REDIS_URL`. */
  readonly rateLimiter?: RateLimiter | undefined;
}

export interface MessagesDepsOptions {
  readonly logger: Logger;
  /** Ends the process with a configuration error found later (NATS refusing the credentials). */
  readonly fail: (error: unknown) => void;
  /** Process name on the NATS connection (`switchboard-messages` in production). */
  readonly natsName: string;
  readonly standIns?: MessagesStandIns;
}

export interface MessagesDeps extends MessagesServiceDeps, AsyncDisposable {
  /** NATS once connected (it may never be, while the server is unreachable); undefined with a stand-in bus. */
  readonly nats: Promise<NatsConnection> | undefined;
  /** After the service closed: stops reaching NATS, drains it, ends the relay's session, the pool and Redis. */
  close(): Promise<void>;
}

/**
 * Builds every client the messages service needs from its configuration: Postgres (pool and relay session), NATS
 * (connected in the background: the API serves writes while NATS is still being reached, the outbox holds the
 * events), the optional Redis of the rate limits. Each dependency unreachable at start is waited for (one log line
 * each) and reported by `/readyz`, never a reason to exit.
 */
export function createMessagesDeps(config: MessagesDepsConfig, options: MessagesDepsOptions): MessagesDeps {
  const { logger, fail } = options;
  const standIns = options.standIns ?? {};
  const dependencies = createDependencyStatus(logger);
  const database = standIns.database ?? postgresOf(config, logger);
  const stopping = new AbortController();
  let nats: Promise<NatsConnection> | undefined;
  let publisher = standIns.publisher;
  if (!publisher) {
    if (!config.NATS_URL) throw new Error('NATS_URL is required');
    // Refused credentials are a configuration error, found whenever NATS answers (at start or later): the service
    // ends with one line.
    const natsAuth = { url: config.NATS_URL, credsFile: config.NATS_CREDS };
    const connection = connectNats(natsAuth, options.natsName, logger, { status: dependencies, signal: stopping.signal });
    connection.then((nc) => onNatsCredentialsRefused(nc, natsAuth, fail), fail);
    const names = natsNames(config.NATS_PREFIX);
    publisher = publisherOnceConnected(connection, (nc) => createJetStreamPublisher({ connection: nc, logger, names }));
    nats = connection;
  }
  // Rate and failure limits: shared by every replica through Redis when REDIS_URL is set, per process otherwise. A
  // command fails at once while Redis is unreachable, and the service then lets requests through (app.ts).
  const limited = config.API_RATE_PER_SECOND > 0 || config.API_RATE_PER_IP_PER_SECOND > 0 || config.AUTH_FAILURES_PER_IP_PER_MINUTE > 0;
  const redis = limited && config.REDIS_URL
    ? new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500 })
    : undefined;
  if (redis && config.REDIS_URL) watchRedis(redis, dependencies, redisTarget(config.REDIS_URL));
  const keyPrefix = config.REDIS_KEY_PREFIX;
  const rateLimiter = 'rateLimiter' in standIns
    ? standIns.rateLimiter
    : createApiRateLimiter({ perSecond: config.API_RATE_PER_SECOND, redis, keyPrefix });
  const addressRateLimiter = createApiRateLimiter({ perSecond: config.API_RATE_PER_IP_PER_SECOND, burstFactor: 1, redis, keyPrefix });
  const authFailures = createAuthFailureCounter({ perMinute: config.AUTH_FAILURES_PER_IP_PER_MINUTE, redis, keyPrefix });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      stopping.abort();
      await database.coordinator.close();
      const nc = nats && (await Promise.race([nats, new Promise<undefined>((r) => setTimeout(r, 100, undefined))]));
      await nc?.drain().catch((error: unknown) => logger.warn({ err: error }, 'NATS drain failed'));
      await database.close();
      redis?.disconnect();
    })());
  return {
    db: database.db,
    publisher,
    coordinator: database.coordinator,
    logger,
    rateLimiter,
    addressRateLimiter,
    authFailures,
    dependencies,
    databaseTarget: database.target,
    nats,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Postgres: the pool and the relay's own session (`DATABASE_URL`). */
function postgresOf(config: MessagesDepsConfig, logger: Logger): NonNullable<MessagesStandIns['database']> {
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required');
  const database = createPostgresDatabase({ connectionString: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, logger });
  const coordinator = createPgRelayCoordinator({ connectionString: config.DATABASE_URL, logger });
  return {
    db: database.db,
    coordinator,
    target: databaseTarget(config.DATABASE_URL),
    close: () => database.close(),
  };
}

/**
 * The publisher while NATS is still being reached: publishes fail fast until the connection exists (the outbox
 * keeps the events and the relay retries), then go to the JetStream publisher made for that connection.
 */
function publisherOnceConnected(connection: Promise<NatsConnection>, create: (nc: NatsConnection) => Publisher): Publisher {
  let publisher: Publisher | undefined;
  connection.then((nc) => (publisher = create(nc)), () => undefined);
  return {
    publish: (subject, data, msgId) =>
      publisher ? publisher.publish(subject, data, msgId) : Promise.reject(new Error('NATS is not connected')),
  };
}
