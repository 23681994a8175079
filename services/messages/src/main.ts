/**
 * Composition root of the messages service: the only place that reads the environment, builds the clients and
 * handles signals. `npm run start:messages`.
 */
import { Redis } from 'ioredis';
import { onNatsCredentialsRefused } from '@switchboard/config';
import { createLogger } from '@switchboard/logger';
import { natsNames } from '@switchboard/protocol';
import { reportListening, runService } from '@switchboard/runtime';
import { loadMessagesConfig } from './config.js';
import { databaseTarget } from './db/errors.js';
import { createPostgresDatabase } from './db/postgres.js';
import { createDependencyStatus } from './health/dependency-status.js';
import { redisTarget, watchRedis } from './health/watch-redis.js';
import { connectNats } from './nats-connection.js';
import { createJetStreamPublisher } from './outbox/jetstream-publisher.js';
import { createPgRelayCoordinator } from './outbox/pg-relay-coordinator.js';
import { createApiRateLimiter } from './rate-limit/api-rate-limiter.js';
import { startMessagesService } from './service.js';

runService('messages', async ({ fail }) => {
  const config = loadMessagesConfig(process.env);
  const logger = createLogger({ service: 'messages', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  // Each dependency unreachable at start is waited for (one log line each), never a reason to exit; /readyz says
  // which one is missing. Only a database that does not exist or refused credentials stop the service.
  const dependencies = createDependencyStatus(logger);
  const database = createPostgresDatabase({
    connectionString: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    logger,
  });
  const stopping = new AbortController();
  // Not awaited: the API serves writes while NATS is still being reached; the outbox holds the events. Refused
  // credentials are a configuration error, found whenever NATS answers (at start or later): the service ends with
  // one line.
  const natsAuth = { url: config.NATS_URL, credsFile: config.NATS_CREDS };
  const nats = connectNats(natsAuth, 'switchboard-messages', logger, { status: dependencies, signal: stopping.signal });
  nats.then((nc) => onNatsCredentialsRefused(nc, natsAuth, fail), fail);
  const coordinator = createPgRelayCoordinator({ connectionString: config.DATABASE_URL, logger });
  // Rate limits: shared by every replica through Redis when REDIS_URL is set, per process otherwise. A command fails
  // at once while Redis is unreachable, and the limiter then lets requests through.
  const redis = config.API_RATE_PER_SECOND > 0 && config.REDIS_URL
    ? new Redis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500 })
    : undefined;
  if (redis && config.REDIS_URL) watchRedis(redis, dependencies, redisTarget(config.REDIS_URL));
  const rateLimiter = createApiRateLimiter({ perSecond: config.API_RATE_PER_SECOND, redis, keyPrefix: config.REDIS_KEY_PREFIX, logger });
  const service = await startMessagesService(
    {
      port: config.MESSAGES_PORT,
      host: config.MESSAGES_HOST,
      operatorToken: config.OPERATOR_TOKEN,
      internalToken: config.INTERNAL_TOKEN,
      allowedOrigins: config.ALLOWED_ORIGINS,
      outboxBatchSize: config.OUTBOX_BATCH_SIZE,
      outboxPollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
      sendBatchSize: config.SEND_BATCH_SIZE,
      sendConcurrency: config.SEND_CONCURRENCY,
    },
    {
      db: database.db,
      publisher: createJetStreamPublisher({ connection: nats, logger, names: natsNames(config.NATS_PREFIX) }),
      coordinator,
      logger,
      rateLimiter,
      dependencies,
      databaseTarget: databaseTarget(config.DATABASE_URL),
      onListening: (port) => reportListening('MESSAGES_PORT', port),
    },
  );

  return async (signal) => {
    logger.info({ signal }, 'shutting down');
    stopping.abort();
    await service.close();
    await coordinator.close();
    const nc = await Promise.race([nats, new Promise<undefined>((r) => setTimeout(r, 100, undefined))]);
    await nc?.drain().catch((error: unknown) => logger.warn({ err: error }, 'NATS drain failed'));
    await database.close();
    redis?.disconnect();
    logger.info('bye');
  };
});
