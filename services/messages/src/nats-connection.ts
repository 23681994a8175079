import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsAuthFailure, natsConnectionOptions, type NatsAuthSettings } from '@switchboard/config';
import type { Logger } from '@switchboard/logger';

/**
 * Connects to NATS and keeps reconnecting forever, also when the first attempt fails: the service serves writes
 * through an outage, and the outbox publishes once NATS is back. Status changes are logged. Credentials come from
 * the URL or a creds file (`natsConnectionOptions`); refused ones reject with a `ConfigError` (never retried).
 */
export async function connectNats(server: NatsAuthSettings | string, name: string, logger: Logger): Promise<NatsConnection> {
  const log = logger.child({ component: 'nats' });
  const settings = typeof server === 'string' ? { url: server } : server;
  const nc = await connect({
    ...natsConnectionOptions(settings),
    name,
    waitOnFirstConnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    // Each request (every JetStream publish) would otherwise capture two stack traces up front, ~6 % of the
    // service's CPU at full load (docs/performance.md); errors still carry their message and cause.
    noAsyncTraces: true,
  }).catch((error: unknown) => {
    throw natsAuthFailure(error, settings);
  });
  log.info({ server: nc.getServer() }, 'connected to NATS');
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') log.warn({ status: status.type }, 'NATS connection');
      else log.debug({ status: status.type }, 'NATS status');
    }
  })().catch(() => {});
  return nc;
}
