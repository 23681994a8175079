import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { onNatsCredentialsRefused } from '@switchboard/config';
import type { Logger } from '@switchboard/logger';
import { natsNames } from '@switchboard/protocol';
import type { MessagesServiceDeps } from './app.js';
import type { MessagesConfig } from './config.js';
import { databaseTarget } from './db/errors.js';
import { createPostgresDatabase } from './db/postgres.js';
import { createDependencyStatus } from './health/dependency-status.js';
import { redisTarget, watchRedis } from './health/watch-redis.js';
import { connectNats } from './nats-connection.js';
import { createJetStreamPublisher } from './outbox/jetstream-publisher.js';
import { createPgRelayCoordinator } from './outbox/pg-relay-coordinator.js';
import type { Publisher } from './outbox/publisher.js';
import { createApiRateLimiter } from './rate-limit/api-rate-limiter.js';

/** The variables the clients are built from. */
export type MessagesDepsConfig = Pick<
  MessagesConfig,
  'DATABASE_URL' | 'DATABASE_POOL_SIZE' | 'NATS_URL' | 'NATS_CREDS' | 'NATS_PREFIX' | 'REDIS_URL' | 'REDIS_KEY_PREFIX' | 'API_RATE_PER_SECOND'
>;

export interface MessagesDepsOptions {
  readonly logger: Logger;
  /** Ends the process with a configuration error found later (NATS refusing the credentials). */
  readonly fail: (error: unknown) => void;
  /** Process name on the NATS connection. @default 'switchboard-messages' */
  readonly natsName?: string;
}

export interface MessagesDeps extends MessagesServiceDeps, AsyncDisposable {
  /** NATS once connected (it may never be, while the server is unreachable). */
  readonly nats: Promise<NatsConnection>;
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
  const dependencies = createDependencyStatus(logger);
  const database = createPostgresDatabase({ connectionString: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, logger });
  const coordinator = createPgRelayCoordinator({ connectionString: config.DATABASE_URL, logger });
  const stopping = new AbortController();
  // Refused credentials are a configuration error, found whenever NATS answers (at start or later): the service
  // ends with one line.
  const natsAuth = { url: config.NATS_URL, credsFile: config.NATS_CREDS };
  const nats = connectNats(natsAuth, options.natsName ?? 'switchboard-messages', logger, { status: dependencies, signal: stopping.signal });
  nats.then((nc) => onNatsCredentialsRefused(nc, natsAuth, fail), fail);
  const names = natsNames(config.NATS_PREFIX);
  const publisher = publisherOnceConnected(nats, (connection) => createJetStreamPublisher({ connection, logger, names }));
  // Rate limits: shared by every replica through Redis when REDIS_URL is set, per process otherwise. A command fails
  // at once while Redis is unreachable, and the limiter then lets requests through.
  const redis = config.API_RATE_PER_SECOND > 0 && config.REDIS_URL
    ? new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500 })
    : undefined;
  if (redis && config.REDIS_URL) watchRedis(redis, dependencies, redisTarget(config.REDIS_URL));
  const rateLimiter = createApiRateLimiter({ perSecond: config.API_RATE_PER_SECOND, redis, keyPrefix: config.REDIS_KEY_PREFIX, logger });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      stopping.abort();
      await coordinator.close();
      const nc = await Promise.race([nats, new Promise<undefined>((r) => setTimeout(r, 100, undefined))]);
      await nc?.drain().catch((error: unknown) => logger.warn({ err: error }, 'NATS drain failed'));
      await database.close();
      redis?.disconnect();
    })());
  return {
    db: database.db,
    publisher,
    coordinator,
    logger,
    rateLimiter,
    dependencies,
    databaseTarget: databaseTarget(config.DATABASE_URL),
    nats,
    close,
    [Symbol.asyncDispose]: close,
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
