import type { IncomingMessage } from 'node:http';
import { Server, type ServerOptions } from 'socket.io';
import type { TemplatedApp } from 'uWebSockets.js';
import { NAMESPACES, SOCKET_PATH } from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import { clientAddress } from '@switchboard/runtime';
import { createConnectFloodGuard } from './connect-flood.js';
import { handshakeRefusal } from './errors.js';
import type { AdminNamespace, AnySocket, ClientNamespace } from './types.js';

export interface SocketServerOptions {
  readonly app: TemplatedApp;
  /**
   * The Socket.IO adapter: Redis streams across nodes (it carries `serverSideEmit` and `fetchSockets`; room events go
   * over the room bus), or Socket.IO's in-memory one for a single process.
   */
  readonly adapter?: ServerOptions['adapter'] | undefined;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  readonly maxPayloadBytes: number;
  readonly allowPolling: boolean;
  /** Unset: any origin. A request without `Origin` (native SDKs) is always allowed. */
  readonly allowedOrigins: readonly string[] | undefined;
  /** uWS drops frames past this per socket; the slow-consumer monitor acts well before. */
  readonly maxBackpressureBytes: number;
  /** New connections are refused while this is true (drain). */
  readonly refuseNew: () => boolean;
  /** `TRUSTED_PROXY_HOPS`: proxies whose `X-Forwarded-For` entries are believed (0: the remote address). */
  readonly trustedProxyHops: number;
  /** Called when a connection is closed for a second `CONNECT` to a namespace it is joining or has joined. */
  readonly onConnectFlood: () => void;
  /** Called when a handshake to the main namespace `/` is refused (`NOT_FOUND`). */
  readonly onMainNamespaceRefused: () => void;
  readonly logger: Logger;
}

export interface SocketServer {
  readonly io: Server;
  readonly client: ClientNamespace;
  readonly admin: AdminNamespace;
  /** The client address of a socket's connection (`clientAddress` of @switchboard/runtime, one rule with the messages service). */
  addressOf(socket: AnySocket): string;
}

/**
 * Socket.IO attached to the uWS app, with the given adapter (`serverSideEmit` between nodes). Only `/client` and `/admin` accept connections.
 */
export function createSocketServer(options: SocketServerOptions): SocketServer {
  const allowed = options.allowedOrigins ? new Set(options.allowedOrigins) : undefined;
  const io = new Server({
    path: SOCKET_PATH,
    serveClient: false,
    transports: options.allowPolling ? ['polling', 'websocket'] : ['websocket'],
    pingInterval: options.pingIntervalMs,
    pingTimeout: options.pingTimeoutMs,
    maxHttpBufferSize: options.maxPayloadBytes,
    // A connection that joins no namespace is dropped after this, not after the 45 s default.
    connectTimeout: 10_000,
    // CORS concerns the polling transport's HTTP requests only. As an engine.io middleware it also makes every uWS
    // upgrade keep a response wrapper for the connection's life, so a WebSocket-only node goes without it
    // (docs/performance.md, changes 5 and 11).
    ...(options.allowPolling ? { cors: { origin: allowed ? [...allowed] : true } } : {}),
    // `cors` does not stop a cross-origin WebSocket upgrade; this runs for uWS upgrades too.
    allowRequest: (req: IncomingMessage, callback) => {
      if (options.refuseNew()) return callback('draining', false);
      const origin = req.headers.origin;
      if (allowed && origin && !allowed.has(origin)) return callback('origin not allowed', false);
      callback(null, true);
    },
    // No connection state recovery: room events reach a node over its own NATS subscriptions (docs/scaling.md), so
    // the adapter's stream holds none to replay. A reconnected SDK joins its conversations again and catches up.
    ...(options.adapter ? { adapter: options.adapter } : {}),
  });
  io.attachApp(options.app, { maxBackpressure: options.maxBackpressureBytes } as never);
  // Socket.IO's documented memory saving ("Memory usage" in its docs): otherwise every connection keeps its first
  // HTTP request (uWS request and response wrappers, headers, query) for its whole life. Nothing reads it after
  // `allowRequest`; handshakes then carry empty `headers`, which the gateway never reads.
  const guardConnects = createConnectFloodGuard(options.onConnectFlood);
  // Behind proxies, the client address is read from the first request's `X-Forwarded-For` before it is dropped,
  // and kept per connection; without, the engine's own `remoteAddress` is all there is to keep.
  const forwarded = new WeakMap<object, string>();
  const hops = options.trustedProxyHops;
  type EngineSocket = { request: { headers?: Record<string, string | undefined> } | null; remoteAddress?: string } & Parameters<typeof guardConnects>[0];
  io.engine.on('connection', (rawSocket: EngineSocket) => {
    if (hops > 0) forwarded.set(rawSocket, clientAddress(rawSocket.remoteAddress, rawSocket.request?.headers?.['x-forwarded-for'], hops));
    rawSocket.request = null;
    guardConnects(rawSocket);
  });

  // The main namespace always exists and has no auth: refuse it.
  io.of('/').use((_socket, next) => {
    options.onMainNamespaceRefused();
    next(handshakeRefusal('NOT_FOUND', 'connect to /client or /admin'));
  });
  const client = io.of(NAMESPACES.client) as unknown as ClientNamespace;
  const admin = io.of(NAMESPACES.admin) as unknown as AdminNamespace;
  const addressOf = (socket: AnySocket) => {
    const conn = socket.conn as unknown as { remoteAddress?: string };
    return forwarded.get(conn) ?? clientAddress(conn.remoteAddress, undefined, 0);
  };
  return { io, client, admin, addressOf };
}
