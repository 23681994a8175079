import type { Logger } from '@switchboard/logger';
import { sleep } from '@switchboard/runtime';
import type { EmittingSocket } from './socket/types.js';

/**
 * Range of the `server:shutdown.reconnect_delay_ms` hint, spreading the reconnections of a node's clients: from the
 * first value to at most the second, and to less when the node has fewer clients (`RECONNECTS_PER_SECOND`).
 */
const RECONNECT_DELAY_MS: readonly [number, number] = [250, 5000];
/** The hint's range is at least this wide, so that two clients rarely come back at the same moment. */
const MIN_SPREAD_MS = 250;
/**
 * The rate at which a drain sends its node's clients back (to another node, or to this one after its NATS link
 * was lost): the closes and the hints are spread over `sockets / RECONNECTS_PER_SECOND` seconds, within the window
 * and the hint's range. About what the other nodes take in handshakes beside their traffic (19,000 in 11–13 s on
 * one node of this two-core machine, docs/performance.md). Before, the spread was the whole range whatever the
 * count: a node with 20 clients sent them back over 5 s, which was most of a rolling restart's catch-up time.
 */
const RECONNECTS_PER_SECOND = 1000;
/** Time between two batches of closed connections. */
const TICK_MS = 100;

export interface DrainOptions {
  /** The sockets of this node, both namespaces. */
  readonly sockets: () => EmittingSocket[];
  /** Connections are all closed before this much time has passed. */
  readonly windowMs: number;
  readonly logger: Logger;
}

/**
 * Tells every connection `server:shutdown` with its own random `reconnect_delay_ms`, then closes them in batches
 * spread over `sockets / RECONNECTS_PER_SECOND` seconds (at most the first 75% of the window), with
 * `socket.conn.close()`: the transport closes, not the Socket.IO session, so clients reconnect by themselves (to
 * another node), join their conversations again and catch up. Resolves when every socket is gone or the window's
 * 90% has passed.
 */
export async function drainConnections(options: DrainOptions): Promise<{ closed: number; leftOpen: number }> {
  const tickMs = TICK_MS;
  const started = Date.now();
  const sockets = options.sockets();
  const spreadMs = (sockets.length * 1000) / RECONNECTS_PER_SECOND;
  const [minDelay, ceiling] = RECONNECT_DELAY_MS;
  const maxDelay = Math.min(ceiling, Math.max(minDelay + MIN_SPREAD_MS, minDelay + spreadMs));
  for (const socket of sockets) {
    const reconnect_delay_ms = Math.round(minDelay + Math.random() * (maxDelay - minDelay));
    socket.emit('server:shutdown', {
      message: 'this server is restarting; reconnect after reconnect_delay_ms',
      reconnect_delay_ms,
    });
  }
  const closeBy = Math.max(tickMs, Math.min(spreadMs, options.windowMs * 0.75));
  const ticks = Math.max(1, Math.floor(closeBy / tickMs));
  const perTick = Math.max(1, Math.ceil(sockets.length / ticks));
  options.logger.info({ connections: sockets.length, per_tick: perTick, tick_ms: tickMs }, 'closing connections in batches');

  // Give clients a moment to handle the notice before their transport closes: socket.io-client hands events to
  // listeners on a later tick, and a close that arrives first would hold the notice back until it reconnects.
  await sleep(tickMs);
  let index = 0;
  while (index < sockets.length) {
    for (const socket of sockets.slice(index, index + perTick)) {
      if (socket.connected) socket.conn.close();
    }
    index += perTick;
    if (index < sockets.length) await sleep(tickMs);
  }
  const deadline = started + options.windowMs * 0.9;
  while (options.sockets().length > 0 && Date.now() < deadline) await sleep(25);
  const leftOpen = options.sockets().length;
  return { closed: sockets.length - leftOpen, leftOpen };
}
