import type { FanoutHandler, FanoutSource } from './fanout-handler.js';

/**
 * A fan-out source whose connection comes later (NATS unreachable at start): started and stopped like any (also
 * again, as a lease comes and goes), it creates the real source once the connection exists and starts it if it is
 * started then; it is not ready before.
 */
export function createDeferredFanout<C>(connection: Promise<C>, create: (connection: C) => FanoutSource): FanoutSource {
  let source: FanoutSource | undefined;
  let started: FanoutHandler | undefined;
  void connection.then((c) => {
    source = create(c);
    if (started) source.start(started);
  });
  return {
    start(handle) {
      started = handle;
      source?.start(handle);
    },
    async stop() {
      started = undefined;
      await source?.stop();
    },
    pending: async () => (source ? source.pending() : undefined),
    ready: () => source?.ready() ?? false,
    async prepare() {
      if (!source) throw new Error('no NATS connection yet');
      await source.prepare?.();
    },
    pulling: () => source?.pulling?.() ?? false,
  };
}
