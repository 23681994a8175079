/**
 * Composition root of the messages service: the only place that reads the environment, builds the clients and
 * installs signal handlers. `npm run start:messages`.
 */
import { ConfigError } from '@switchboard/config';
import { createLogger } from '@switchboard/logger';
import { loadMessagesConfig } from './config.js';
import { createPostgresDatabase } from './db/postgres.js';
import { connectNats } from './nats-connection.js';
import { createJetStreamPublisher } from './outbox/jetstream-publisher.js';
import { createPgRelayCoordinator } from './outbox/pg-relay-coordinator.js';
import { startMessagesService } from './service.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadMessagesConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`messages: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }

  const logger = createLogger({ service: 'messages', level: config.LOG_LEVEL });
  const database = createPostgresDatabase({
    connectionString: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    logger,
  });
  const nats = connectNats(config.NATS_URL, 'switchboard-messages', logger);
  const coordinator = createPgRelayCoordinator({ connectionString: config.DATABASE_URL, logger });
  const service = await startMessagesService(
    {
      port: config.MESSAGES_PORT,
      host: config.MESSAGES_HOST,
      operatorToken: config.OPERATOR_TOKEN,
      internalToken: config.INTERNAL_TOKEN,
      allowedOrigins: config.ALLOWED_ORIGINS,
      outboxBatchSize: config.OUTBOX_BATCH_SIZE,
      outboxPollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
    },
    { db: database.db, publisher: createJetStreamPublisher({ connection: nats, logger }), coordinator, logger },
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await service.close();
    await coordinator.close();
    const nc = await Promise.race([nats, new Promise<undefined>((r) => setTimeout(r, 100, undefined))]);
    await nc?.drain().catch((error: unknown) => logger.warn({ err: error }, 'NATS drain failed'));
    await database.close();
    logger.info('bye');
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      shutdown(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.fatal({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`messages: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
