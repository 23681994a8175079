import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@switchboard/logger';
import type { DependencyState } from './dependency-state.js';

/** First retry delay, doubled up to `MAX_DELAY_MS`. */
const MIN_DELAY_MS = 250;
const MAX_DELAY_MS = 5000;

export interface NatsWithRetryOptions {
  /** Makes one connection attempt (the composition root's `connect(...)` with its options). */
  readonly connect: () => Promise<NatsConnection>;
  readonly state: DependencyState;
  readonly logger: Logger;
}

export interface NatsWithRetry {
  /** Resolves with the first connection that succeeds (never rejects; pending forever after `close()`). */
  readonly connection: Promise<NatsConnection>;
  /** The connection, once there is one. */
  current(): NatsConnection | undefined;
  /** Stops retrying; drains the connection if there is one. */
  close(): Promise<void>;
}

/**
 * Connects to NATS in the background, retrying with backoff while the server is unreachable, so the gateway listens
 * (and answers `/healthz`, and `/readyz` 503) meanwhile instead of hanging before `listen`. Once connected, nats.js
 * reconnects by itself (`maxReconnectAttempts: -1`); its status events tell the dependency state when it is lost and
 * back.
 */
export function connectNatsWithRetry(options: NatsWithRetryOptions): NatsWithRetry {
  const { state } = options;
  let closed = false;
  let nc: NatsConnection | undefined;
  let wake: (() => void) | undefined;

  const follow = async (connection: NatsConnection) => {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') state.down(new Error(`disconnected from ${status.server}`));
      else if (status.type === 'reconnect') state.up();
    }
  };

  const connection = (async () => {
    let delay = MIN_DELAY_MS;
    for (;;) {
      if (closed) return new Promise<NatsConnection>(() => {});
      try {
        nc = await options.connect();
        state.up();
        void follow(nc).catch((error: unknown) => options.logger.debug({ err: error }, 'NATS status stream ended'));
        void nc.closed().then((error) => {
          if (!closed) state.down(error ?? new Error('connection closed'));
        });
        return nc;
      } catch (error) {
        state.down(error);
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, delay);
      });
      delay = Math.min(MAX_DELAY_MS, delay * 2);
    }
  })();

  return {
    connection,
    current: () => nc,
    async close() {
      closed = true;
      wake?.();
      await nc?.drain().catch((error: unknown) => options.logger.warn({ err: error }, 'NATS drain failed'));
    },
  };
}
