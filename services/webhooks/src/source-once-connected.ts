import type { NatsConnection } from '@nats-io/transport-node';
import type { WebhookEventSource } from './delivery/delivery-engine.js';

/**
 * The event source while NATS is still being reached: `start` waits for the connection (the HTTP side serves
 * meanwhile; events wait in JetStream), then starts the source made for it. `stop` before the connection came ends
 * the wait; after, it stops that source.
 */
export function sourceOnceConnected(connection: Promise<NatsConnection>, create: (nc: NatsConnection) => WebhookEventSource): WebhookEventSource {
  let source: WebhookEventSource | undefined;
  let stopped = false;
  return {
    async start(handle) {
      const nc = await connection;
      if (stopped) return;
      source = create(nc);
      await source.start(handle);
    },
    async stop() {
      stopped = true;
      await source?.stop();
    },
  };
}
