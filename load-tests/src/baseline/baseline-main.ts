/**
 * Process entry of the baseline server (see baseline-server.ts), started by the load runner like a service:
 * `BASELINE_PORT`, `REDIS_URL`, `NATS_URL`, `NATS_PREFIX` (optional), `MESSAGES_URL`, `INTERNAL_TOKEN`, `REDIS_KEY_PREFIX`.
 */
import { Redis } from 'ioredis';
import { connect } from '@nats-io/transport-node';
import { createMetricsRegistry } from '@switchboard/metrics';
import { reportListening } from '@switchboard/runtime';
import { startMessageCreatedConsumer } from '../bus/message-created-consumer.js';
import { startBaselineServer } from './baseline-server.js';
import { requiredEnv } from '../stack/required-env.js';


async function main(): Promise<void> {
  const env = process.env;
  const required = (name: string) => requiredEnv(name, env);
  const redis = new Redis(required('REDIS_URL'));
  redis.on('error', () => undefined);
  const nc = await connect({ servers: required('NATS_URL'), name: 'baseline' });
  const server = await startBaselineServer({
    port: Number(required('BASELINE_PORT')),
    host: env.BASELINE_HOST ?? '127.0.0.1',
    messagesUrl: required('MESSAGES_URL'),
    internalToken: env.INTERNAL_TOKEN,
    redis,
    keyPrefix: required('REDIS_KEY_PREFIX'),
    pingIntervalMs: Number(env.PING_INTERVAL_MS ?? 25_000),
    pingTimeoutMs: Number(env.PING_TIMEOUT_MS ?? 20_000),
    metrics: createMetricsRegistry({ defaultLabels: { service: 'baseline' } }),
  });

  // The same delivery path as the gateway: a durable JetStream consumer, events validated, emitted, acked.
  const consumer = await startMessageCreatedConsumer({ nc, prefix: env.NATS_PREFIX ?? '', name: 'baseline-fanout', onEvent: (event) => server.messageCreated(event) });
  reportListening('BASELINE_PORT', server.port);

  const stop = async () => {
    await consumer.close().catch(() => undefined);
    await server.close();
    await nc.drain().catch(() => undefined);
    await redis.quit().catch(() => redis.disconnect());
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`baseline: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
