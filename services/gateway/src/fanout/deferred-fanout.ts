import type { FanoutSource } from './fanout-handler.js';

/**
 * A fan-out source whose connection comes later (NATS unreachable at start): started and stopped like any, it
 * creates the real source once the connection exists, and is not ready before.
 */
export function createDeferredFanout<C>(connection: Promise<C>, create: (connection: C) => FanoutSource): FanoutSource {
  let source: FanoutSource | undefined;
  let started = false;
  let stopped = false;
  void connection.then((c) => {
    if (stopped) return;
    source = create(c);
    if (started) source.start();
  });
  return {
    start() {
      started = true;
      source?.start();
    },
    async stop() {
      stopped = true;
      await source?.stop();
    },
    pending: async () => (source ? source.pending() : undefined),
    ready: () => source?.ready() ?? false,
  };
}
