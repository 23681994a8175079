/**
 * Process entry of the baseline server (see baseline-server.ts), started by the load runner like a service:
 * `BASELINE_PORT`, `REDIS_URL`, `NATS_URL`, `NATS_PREFIX` (optional), `MESSAGES_URL`, `INTERNAL_TOKEN`, `REDIS_KEY_PREFIX`.
 */
import { Redis } from 'ioredis';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { MessageCreatedEvent, natsNames } from '@switchboard/protocol';
import { createMetricsRegistry } from '@switchboard/metrics';
import { reportListening } from '@switchboard/runtime';
import { startBaselineServer } from './baseline-server.js';


async function main(): Promise<void> {
  const env = process.env;
  const required = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  const redis = new Redis(required('REDIS_URL'));
  redis.on('error', () => undefined);
  const nc = await connect({ servers: required('NATS_URL'), name: 'baseline' });
  const names = natsNames(env.NATS_PREFIX ?? '');
  const stream = names.streams.messages;
  const consumer = names.prefix ? `${names.prefix}_baseline-fanout` : 'baseline-fanout';
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
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.delete(stream, consumer).catch(() => undefined);
  await jsm.consumers.add(stream, {
    durable_name: consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    filter_subject: names.streamSubjects.messages[0],
    max_ack_pending: 20_000,
  });
  const messages = await (await jetstream(nc).consumers.get(stream, consumer)).consume({ max_messages: 1000 });
  void (async () => {
    for await (const m of messages) {
      if (m.subject === names.subjects.messageCreated) {
        const parsed = MessageCreatedEvent.safeParse(m.json());
        if (parsed.success) server.messageCreated(parsed.data);
      }
      m.ack();
    }
  })();
  reportListening('BASELINE_PORT', server.port);

  const stop = async () => {
    await messages.close().catch(() => undefined);
    await jsm.consumers.delete(stream, consumer).catch(() => undefined);
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
