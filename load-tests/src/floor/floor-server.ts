/**
 * The floor of every comparison: a raw uWebSockets.js pub/sub server that speaks exactly the frames the load
 * clients need and does nothing else. Engine.IO open and heartbeat, Socket.IO namespace connects to `/client` and
 * `/admin` admitted by the messages service's internal auth API (once per connect, as the gateway and the baseline
 * do), `connected`, the auto-join of the device's latest conversation with `conversation:joined`, and `message:new`
 * to `conv:{id}` on /client and `app:{id}` on /admin: one uWS topic per room, one native publish per event per
 * namespace. No presence, adapter, recovery, limits, client events or metrics beyond the memory figures the runner
 * reads. Nothing here is used in production.
 */
import { randomBytes } from 'node:crypto';
import uws from 'uWebSockets.js';
import type { HttpResponse, TemplatedApp, WebSocket, us_listen_socket } from 'uWebSockets.js';
import { NAMESPACES, SOCKET_PATH, type MessageCreatedEvent } from '@switchboard/protocol';
import { decodeFrame, EIO, encodeEvent } from '../protocol/sio-frames.js';
import { connectedFrame, connectErrorFrame, eventFrame, openFrame } from './floor-frames.js';
import { HandshakeRefusal, type Admission, type HandshakeAuth } from './handshake-auth.js';
import { HEARTBEAT_TOPIC, startHeartbeat, type HeartbeatState } from './heartbeat.js';
import { appRoom, conversationRoom, topicOf, topicPrefixOf } from './rooms.js';

/** As the gateway's defaults: `MAX_PAYLOAD_BYTES`, and 4 × `SLOW_CONSUMER_BUFFER_BYTES` of backpressure. */
const MAX_PAYLOAD_BYTES = 65_536;
const MAX_BACKPRESSURE_BYTES = 4 << 20;
/** Random bytes of an Engine.IO or namespace session id (20 base64url characters, as engine.io's). */
const SID_BYTES = 15;

export interface FloorOptions {
  /** The uWS app to serve on (built by the caller: one per process). */
  readonly app: TemplatedApp;
  readonly host: string;
  readonly port: number;
  readonly auth: HandshakeAuth;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
}

export interface FloorServer {
  /** The port it bound (`port` 0 asks the OS for one). */
  readonly port: number;
  /** Publishes one bus event to its rooms: one uWS publish per namespace. */
  messageCreated(event: MessageCreatedEvent): void;
  close(): void;
}

interface FloorSocket extends HeartbeatState {
  /** Set by the close handler: an auth answer arriving later must not touch the socket. */
  closed: boolean;
  /** Namespaces connected or connecting, as `NAMESPACE_BITS` (a number: the floor's per-socket state stays a few words). */
  namespaces: number;
}

const NAMESPACE_BITS: ReadonlyMap<string, number> = new Map([
  [NAMESPACES.client, 1],
  [NAMESPACES.admin, 2],
]);
const bitOf = (nsp: string) => NAMESPACE_BITS.get(nsp) ?? 0;

const newSid = () => randomBytes(SID_BYTES).toString('base64url');

export async function startFloorServer(options: FloorOptions): Promise<FloorServer> {
  const { app, auth } = options;
  const sockets = new Set<WebSocket<FloorSocket>>();
  const heartbeat = startHeartbeat({ app, sockets, pingIntervalMs: options.pingIntervalMs, pingTimeoutMs: options.pingTimeoutMs });

  const admit = (ws: WebSocket<FloorSocket>, nsp: string, admission: Admission) => {
    const state = ws.getUserData();
    // Closed, or left the namespace (`41`) while its auth call was out.
    if (state.closed || (state.namespaces & bitOf(nsp)) === 0) return;
    const sid = newSid();
    ws.cork(() => {
      for (const room of admission.rooms) ws.subscribe(topicOf(nsp, room));
      ws.send(connectedFrame(nsp, sid));
      ws.send(encodeEvent(nsp, 'connected', [{ connection_id: sid, server_time: new Date().toISOString() }]));
      if (admission.joined) ws.send(encodeEvent(nsp, 'conversation:joined', [admission.joined]));
    });
  };
  const refuse = (ws: WebSocket<FloorSocket>, nsp: string, error: unknown) => {
    const state = ws.getUserData();
    if (state.closed) return;
    state.namespaces &= ~bitOf(nsp);
    ws.cork(() => ws.send(connectErrorFrame(nsp, error instanceof HandshakeRefusal ? error.code : 'UNAVAILABLE')));
  };
  const leave = (ws: WebSocket<FloorSocket>, nsp: string) => {
    ws.getUserData().namespaces &= ~bitOf(nsp);
    for (const topic of ws.getTopics()) if (topic.startsWith(topicPrefixOf(nsp))) ws.unsubscribe(topic);
  };

  app.ws<FloorSocket>(`${SOCKET_PATH}/`, {
    maxPayloadLength: MAX_PAYLOAD_BYTES,
    maxBackpressure: MAX_BACKPRESSURE_BYTES,
    idleTimeout: 0,
    sendPingsAutomatically: false,
    upgrade(res, req, context) {
      if (req.getQuery('EIO') !== '4' || req.getQuery('transport') !== 'websocket') {
        res.cork(() => res.writeStatus('400 Bad Request').end());
        return;
      }
      const state: FloorSocket = { answered: heartbeat.round(), closed: false, namespaces: 0 };
      res.cork(() =>
        res.upgrade(state, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context),
      );
    },
    open(ws) {
      sockets.add(ws);
      ws.subscribe(HEARTBEAT_TOPIC);
      ws.send(openFrame({ sid: newSid(), pingIntervalMs: options.pingIntervalMs, pingTimeoutMs: options.pingTimeoutMs, maxPayloadBytes: MAX_PAYLOAD_BYTES }));
    },
    message(ws, message) {
      const raw = Buffer.from(message).toString('utf8');
      const state = ws.getUserData();
      if (raw === EIO.pong) {
        state.answered = heartbeat.round();
        return;
      }
      if (raw === EIO.close) return ws.end();
      const frame = decodeFrame(raw);
      if (frame.kind === 'connect') {
        const bit = bitOf(frame.nsp);
        if (bit === 0) return refuse(ws, frame.nsp, new HandshakeRefusal('NOT_FOUND'));
        if (state.namespaces & bit) return;
        state.namespaces |= bit;
        auth(frame.nsp, frame.data).then(
          (admission) => admit(ws, frame.nsp, admission),
          (error: unknown) => refuse(ws, frame.nsp, error),
        );
      } else if (frame.kind === 'disconnect') leave(ws, frame.nsp);
      // Anything else (client events, acks) the floor ignores: it measures delivery only.
    },
    close(ws) {
      ws.getUserData().closed = true;
      sockets.delete(ws);
    },
  });
  app.get('/healthz', (res) => reply(res, '{"status":"ok"}'));
  app.get('/readyz', (res) => reply(res, '{"status":"ready"}'));
  app.get('/metrics', (res) => reply(res, memoryMetrics()));
  app.any('/*', (res) => void res.cork(() => res.writeStatus('404 Not Found').end()));

  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) =>
    app.listen(options.host, options.port, (token) => (token ? resolve(token) : reject(new Error(`cannot listen on ${options.host}:${options.port}`)))),
  );
  return {
    port: uws.us_socket_local_port(listenSocket),
    messageCreated(event) {
      const { app_id, ...message } = event;
      const json = JSON.stringify(message);
      app.publish(topicOf(NAMESPACES.client, conversationRoom(message.conversation_id)), eventFrame(NAMESPACES.client, 'message:new', json));
      app.publish(topicOf(NAMESPACES.admin, appRoom(app_id)), eventFrame(NAMESPACES.admin, 'message:new', json));
    },
    close() {
      heartbeat.stop();
      uws.us_listen_socket_close(listenSocket);
      for (const ws of sockets) ws.close();
    },
  };
}

function reply(res: HttpResponse, body: string): void {
  res.cork(() => res.writeStatus('200 OK').writeHeader('Cache-Control', 'no-store').end(body));
}

/** The only figures the load runner scrapes from a server (its memory per connection), in Prometheus text. */
function memoryMetrics(): string {
  const { rss, heapUsed, heapTotal } = process.memoryUsage();
  return `process_resident_memory_bytes ${rss}\nnodejs_heap_size_used_bytes ${heapUsed}\nnodejs_heap_size_total_bytes ${heapTotal}\n`;
}
