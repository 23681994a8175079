import type { AnySocket } from './types.js';

const NOTHING = Object.freeze({});

/**
 * What Socket.IO keeps per connection that the gateway never uses, dropped in the namespaces' `connection`
 * handler. Memory per connection is the gateway's budget (docs/performance.md, "Memory").
 *
 * `socket.handshake` (public API): the `auth` object with the credentials (so the api key is not kept for the
 * connection's life), the per-connection `{}` of `headers` and `query` (the gateway drops the first HTTP request, see
 * `socket-server.ts`) and the `time` string. Nothing reads them after the handshake middleware: handlers work
 * from `socket.data`, and Socket.IO builds a new handshake for every (re)connection. `address`, `issued`,
 * `secure` and `xdomain` stay.
 *
 * The socket's own room (named after `socket.id`, a pub/sub topic per connection on uWS) looks unused but is not:
 * with connection state recovery, `socket.emit()` goes through the adapter to that room, so that the packet is
 * numbered and kept for a recovery. Leaving it stops every direct emit (tried: no socket got `connected`).
 */
export function releaseHandshake(socket: AnySocket): void {
  const handshake = socket.handshake;
  handshake.auth = NOTHING;
  handshake.headers = NOTHING;
  handshake.query = NOTHING;
  handshake.time = '';
}
