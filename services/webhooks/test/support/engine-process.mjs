// A delivery engine in a process of its own, built from the compiled package, for the crash test (kill -9): the
// same parts the service's composition root wires, without its HTTP side. Prints "ready" once its consumers exist.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { createLogger } from '@switchboard/logger';
import { createMetricsRegistry } from '@switchboard/metrics';
import { natsNames } from '@switchboard/protocol';
import { createDeliveryEngine, createJetStreamEventSource, migrateWebhooks } from '@switchboard/webhooks';

const env = process.env;
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 8 });
pool.on('error', () => {});
const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
await migrateWebhooks(db);
const nc = await connect({ servers: env.NATS_URL, name: 'webhooks-engine-process' });
const logger = createLogger({ service: 'webhooks', level: env.LOG_LEVEL ?? 'warn' });
const engine = createDeliveryEngine({
  db,
  source: createJetStreamEventSource({ nc, names: natsNames(env.NATS_PREFIX ?? ''), logger, retryDelayMs: 200 }),
  presence: { isDeviceOnline: async () => false, isUserOnline: async () => false, isAnyAgentOnline: async () => false },
  settings: {
    retryScheduleMs: (env.WEBHOOKS_RETRY_SCHEDULE ?? '200,400').split(',').map(Number),
    allowInsecure: true,
    perEndpointConcurrency: Number(env.PER_ENDPOINT ?? 4),
    totalConcurrency: Number(env.TOTAL ?? 64),
  },
  logger,
  metrics: createMetricsRegistry({ collectDefaults: false }),
});
await engine.start();
process.stdout.write('ready\n');
process.once('SIGTERM', async () => {
  await engine.stop();
  await nc.close();
  await db.destroy();
  process.exit(0);
});
