/**
 * The baseline of every comparison: the seeds' stack, a plain Socket.IO 4.8 server on Node's HTTP server and its
 * default `ws` engine (no uWS), with the same features as the gateway where they cost per connection or per
 * event: auth through the messages service's internal API, auto-join of the device's latest conversation,
 * presence in Redis, the Redis streams adapter, connection state recovery, and fan-out from JetStream to the same
 * rooms (`conv:{id}` on /client, `app:{id}` on /admin). A device's `message:send` is forwarded to the messages
 * service's internal API (no schema check), so SDK clients can send through it (`storm`). Nothing here is used in
 * production.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { Server, type Socket } from 'socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import {
  INTERNAL_PATHS,
  INTERNAL_TOKEN_HEADER,
  NAMESPACES,
  SOCKET_PATH,
  type InternalAuthAdminResponse,
  type InternalAuthClientResponse,
  type Message,
  type MessageCreatedEvent,
} from '@switchboard/protocol';
import type { Registry } from '@switchboard/metrics';

export interface BaselineOptions {
  readonly port: number;
  readonly host: string;
  readonly messagesUrl: string;
  readonly internalToken: string | undefined;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  readonly metrics: Registry;
}

export interface BaselineServer {
  /** The port it bound (`port` 0 asks the OS for one). */
  readonly port: number;
  /** Emits one bus event to its rooms, as the gateway's broadcaster does. */
  messageCreated(event: MessageCreatedEvent): void;
  close(): Promise<void>;
}

class Refusal extends Error {
  readonly data: { code: string };
  constructor(code: string) {
    super(code);
    this.data = { code };
  }
}

export async function startBaselineServer(options: BaselineOptions): Promise<BaselineServer> {
  const { redis, keyPrefix } = options;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.internalToken) headers[INTERNAL_TOKEN_HEADER] = options.internalToken;
  const internal = async <T>(path: string, body: unknown): Promise<T> => {
    const response = await fetch(new URL(path, options.messagesUrl), { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await response.text();
    if (response.status === 401) throw new Refusal('INVALID_CREDENTIALS');
    if (!response.ok) throw new Refusal('UNAVAILABLE');
    return JSON.parse(text) as T;
  };

  const httpServer = http.createServer((req, res) => {
    if (req.url === '/readyz' || req.url === '/healthz') return res.writeHead(200).end('ok');
    if (req.url === '/metrics') {
      options.metrics.metrics().then((text) => res.writeHead(200, { 'content-type': options.metrics.contentType }).end(text));
      return;
    }
    res.writeHead(404).end();
  });
  const io = new Server(httpServer, {
    path: SOCKET_PATH,
    serveClient: false,
    transports: ['websocket'],
    pingInterval: options.pingIntervalMs,
    pingTimeout: options.pingTimeoutMs,
    connectTimeout: 10_000,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: false },
    adapter: createAdapter(redis, {
      streamName: `${keyPrefix}:socket.io`,
      channelPrefix: `${keyPrefix}:socket.io`,
      sessionKeyPrefix: `${keyPrefix}:sio-session:`,
      maxLen: 100_000,
      onlyPlaintext: true,
    }),
  });
  io.of('/').use((_socket, next) => next(new Refusal('NOT_FOUND')));

  const client = io.of(NAMESPACES.client);
  client.use((socket: Socket, next) => {
    const auth = (socket.handshake.auth ?? {}) as Record<string, string>;
    if (!auth.app_id || !auth.device_id || !auth.api_key) return next(new Refusal('MISSING_PARAMS'));
    internal<InternalAuthClientResponse>(INTERNAL_PATHS.authClient, { app_id: auth.app_id, device_id: auth.device_id, api_key: auth.api_key }).then(
      (answer) => {
        socket.data = {
          appId: answer.principal.app_id,
          deviceId: answer.principal.device_id,
          principal: answer.principal,
          latest: answer.latest_conversation?.id,
          connectedAt: new Date().toISOString(),
        };
        next();
      },
      (error: Error) => next(error instanceof Refusal ? error : new Refusal('UNAVAILABLE')),
    );
  });
  client.on('connection', (socket) => {
    const { appId, deviceId, principal, latest, connectedAt } = socket.data as { appId: string; deviceId: string; principal: unknown; latest?: string; connectedAt: string };
    socket.emit('connected', { connection_id: socket.id, server_time: new Date().toISOString() });
    if (latest) {
      socket.join(`conv:${latest}`);
      socket.emit('conversation:joined', { conversation_id: latest, last_message_id: null });
    }
    // Presence as the seeds kept it: a set of connections per device and a session hash per app.
    const device = `${keyPrefix}:presence:dev:${appId}:${deviceId}`;
    const sessions = `${keyPrefix}:presence:sess:${appId}`;
    redis
      .multi()
      .sadd(device, socket.id)
      .hset(sessions, socket.id, JSON.stringify({ device_id: deviceId, connected_at: connectedAt }))
      .exec()
      .catch(() => undefined);
    socket.on('ping', (ack?: (reply: string) => void) => ack?.('pong'));
    socket.on('message:send', (payload: Record<string, unknown>, ack?: (result: unknown) => void) => {
      internal<{ message: Message }>(INTERNAL_PATHS.sendMessage, { principal, ...payload }).then(
        (answer) => ack?.({ success: true, message: answer.message }),
        (error: Error) => ack?.({ success: false, error: { code: error instanceof Refusal ? error.data.code : 'UNAVAILABLE', message: 'the send failed' } }),
      );
    });
    socket.on('disconnect', () => {
      redis.multi().srem(device, socket.id).hdel(sessions, socket.id).exec().catch(() => undefined);
    });
  });

  const admin = io.of(NAMESPACES.admin);
  admin.use((socket: Socket, next) => {
    const auth = (socket.handshake.auth ?? {}) as Record<string, string>;
    if (!auth.app_id || !auth.admin_token) return next(new Refusal('MISSING_PARAMS'));
    internal<InternalAuthAdminResponse>(INTERNAL_PATHS.authAdmin, { app_id: auth.app_id, admin_token: auth.admin_token }).then(
      (answer) => {
        socket.data = { appId: answer.principal.app_id };
        next();
      },
      (error: Error) => next(error instanceof Refusal ? error : new Refusal('UNAVAILABLE')),
    );
  });
  admin.on('connection', (socket) => {
    socket.join(`app:${(socket.data as { appId: string }).appId}`);
    socket.emit('connected', { connection_id: socket.id, server_time: new Date().toISOString() });
  });

  await new Promise<void>((resolve) => httpServer.listen(options.port, options.host, resolve));
  return {
    port: (httpServer.address() as AddressInfo).port,
    messageCreated(event) {
      const { app_id, ...message } = event;
      client.to(`conv:${message.conversation_id}`).emit('message:new', message);
      admin.to(`app:${app_id}`).emit('message:new', message);
    },
    close: () => new Promise<void>((resolve) => io.close(() => resolve())),
  };
}
