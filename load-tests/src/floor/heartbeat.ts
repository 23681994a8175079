import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import { PING_FRAME } from './floor-frames.js';

/** The uWS topic every socket subscribes to on open: one native publish pings them all. */
export const HEARTBEAT_TOPIC = '\u001fheartbeat';

/** The per-socket state the heartbeat reads. */
export interface HeartbeatState {
  /** The last ping round the socket answered (or the round it opened in). */
  answered: number;
}

export interface HeartbeatOptions<S extends HeartbeatState> {
  readonly app: TemplatedApp;
  /** Every open socket (the server keeps it; the heartbeat only reads it). */
  readonly sockets: ReadonlySet<WebSocket<S>>;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
}

export interface Heartbeat {
  /** The current ping round: a new socket starts with it, a pong sets the socket's `answered` to it. */
  round(): number;
  stop(): void;
}

/**
 * Engine.IO's heartbeat at its cheapest: every `pingInterval` one publish of `2` to `HEARTBEAT_TOPIC`, and
 * `pingTimeout` later one pass over the sockets closing those that have not answered that round (engine.io keeps
 * two timers per socket for this; here it is one per server). uWS's own idle timeout is off.
 */
export function startHeartbeat<S extends HeartbeatState>(options: HeartbeatOptions<S>): Heartbeat {
  const { app, sockets, pingTimeoutMs } = options;
  const checks = new Set<NodeJS.Timeout>();
  let round = 0;
  const ping = setInterval(() => {
    const sent = ++round;
    app.publish(HEARTBEAT_TOPIC, PING_FRAME);
    const check = setTimeout(() => {
      checks.delete(check);
      // Closing runs the close handler, which removes the socket from the set: safe while iterating.
      for (const ws of sockets) if (ws.getUserData().answered < sent) ws.close();
    }, pingTimeoutMs);
    checks.add(check);
  }, options.pingIntervalMs);
  return {
    round: () => round,
    stop() {
      clearInterval(ping);
      for (const check of checks) clearTimeout(check);
      checks.clear();
    },
  };
}
