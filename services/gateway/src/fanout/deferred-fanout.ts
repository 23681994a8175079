import type { FanoutHandler, FanoutSource } from './fanout-handler.js';

/**
 * A fan-out source whose connection comes later (NATS unreachable at start): started and stopped like any, it
 * creates the real source once the connection exists, and is not ready before.
 */
export function createDeferredFanout<C>(connection: Promise<C>, create: (connection: C) => FanoutSource): FanoutSource {
  let source: FanoutSource | undefined;
  let started: FanoutHandler | undefined;
  let stopped = false;
  void connection.then((c) => {
    if (stopped) return;
    source = create(c);
    if (started) source.start(started);
  });
  return {
    start(handle) {
      started = handle;
      source?.start(handle);
    },
    async stop() {
      stopped = true;
      await source?.stop();
    },
    pending: async () => (source ? source.pending() : undefined),
    ready: () => source?.ready() ?? false,
  };
}
