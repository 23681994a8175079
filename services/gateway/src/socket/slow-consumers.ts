import type { Logger } from '@switchboard/logger';
import type { GatewayMetrics } from '../metrics.js';
import type { AnySocket } from './types.js';

/** How often every socket's send buffer is read. */
const SCAN_INTERVAL_MS = 1000;

export interface SlowConsumerOptions {
  readonly sockets: () => Iterable<AnySocket>;
  /** A socket whose uWS send buffer holds more than this is behind. */
  readonly thresholdBytes: number;
  /** How long it may stay behind before it is disconnected. */
  readonly graceMs: number;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
}

/**
 * The uWS send buffer of a socket's WebSocket transport. This reads engine.io's private path
 * (`socket.conn.transport.socket.getBufferedAmount()`), which is why socket.io is pinned to ~4.8 and
 * `slow-consumer.int.test.ts` covers it. Polling transports report 0.
 */
export function bufferedAmount(socket: AnySocket): number {
  const ws = (socket.conn as unknown as { transport?: { socket?: { getBufferedAmount?: () => number } } }).transport?.socket;
  try {
    return ws?.getBufferedAmount?.() ?? 0;
  } catch {
    return 0; // the uWS socket is already closed
  }
}

/**
 * uWS drops frames silently once a socket's buffer passes `maxBackpressure`; engine.io ignores `send()`'s result.
 * So the gateway watches each socket's buffer and disconnects one that stays behind, which the client notices and
 * recovers from (it reconnects and catches up with `after=`), instead of silently missing frames.
 */
export function startSlowConsumerMonitor(options: SlowConsumerOptions): { stop(): void } {
  // Only sockets that are behind are in here (normally none), so the scan of every socket each second costs one
  // buffer read per socket and nothing else; an entry whose socket caught up or went away is dropped after the scan.
  const behindSince = new Map<AnySocket, number>();
  const timer = setInterval(() => {
    const now = Date.now();
    const behindNow = new Set<AnySocket>();
    for (const socket of options.sockets()) {
      if (bufferedAmount(socket) <= options.thresholdBytes) continue;
      behindNow.add(socket);
      const since = behindSince.get(socket);
      if (since === undefined) behindSince.set(socket, now);
      else if (now - since >= options.graceMs) {
        behindSince.delete(socket);
        behindNow.delete(socket);
        options.metrics.slowConsumerDisconnects.inc();
        options.logger.debug({ connection_id: socket.id }, 'disconnecting a slow consumer');
        // Close the transport (not the Socket.IO session): the client reconnects by itself and catches up.
        socket.conn.close(true);
      }
    }
    for (const socket of behindSince.keys()) if (!behindNow.has(socket)) behindSince.delete(socket);
  }, SCAN_INTERVAL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
