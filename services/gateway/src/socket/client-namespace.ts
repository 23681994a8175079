import { performance } from 'node:perf_hooks';
import { AuthRefresh, ConversationRef, SocketSendMessage, type InternalAuthClientResponse } from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import type { Broadcaster } from './broadcaster.js';
import type { MessagesApi } from '../messages-api.js';
import type { AuthGate } from './auth-gate.js';
import type { GatewayMetrics } from '../metrics.js';
import { refreshAuth } from './auth-refresh.js';
import { createTypingRelay, joinConversation, prepareJoin, type KnownAccess, type PreparedJoin } from './conversation-handlers.js';
import type { RoomInterest } from '../fanout/room-interest.js';
import { route, type EventGuard } from './event-guard.js';
import type { HandshakeLimits } from '../limits/handshake-limits.js';
import { errorCodeOf } from './errors.js';
import { clientHandshake } from './handshake-auth.js';
import { releaseHandshake } from './socket-footprint.js';
import type { SessionEnforcer } from './session-enforcer.js';
import { TYPING_INTERVAL_MS } from './typing.js';
import { connectionRecordOf, type PresenceAnnouncer } from '../presence/presence-announcer.js';
import { conversationRoom, type ClientNamespace, type ClientSocket } from './types.js';

export interface ClientNamespaceDeps {
  readonly api: MessagesApi;
  /** The handshake's way to the messages service (bounded, refusals remembered). */
  readonly gate: AuthGate;
  readonly announcer: PresenceAnnouncer;
  readonly broadcaster: Broadcaster;
  /** Rooms are joined with the node's interest in them (interest-based fan-out). */
  readonly interest: RoomInterest;
  readonly guard: EventGuard;
  /** Connection and authentication limits around the handshake. */
  readonly limits: HandshakeLimits;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** Token expiry, refresh and revocation of live sockets. */
  readonly sessions: SessionEnforcer;
  readonly nodeId: string;
}

/**
 * The `/client` namespace: devices of an app, each in its own conversations only.
 *
 * Memory per connection is the budget (docs/performance.md): the listeners are shared by every socket (they
 * read the socket from `this` or their argument), and per-socket state exists only while it is needed (the
 * handshake's answer until the connection handler ran, a typing throttle once the socket types, the pending
 * presence registration until Redis answered). What stays is derived from `socket.id` and `socket.data`.
 */
export function registerClientNamespace(nsp: ClientNamespace, deps: ClientNamespaceDeps): void {
  const { api, guard, metrics, broadcaster, announcer, nodeId } = deps;
  // The handshake's answer is needed once, right after it; not kept on the socket.
  const latestBySocket = new WeakMap<ClientSocket, { readonly id: string; readonly known: KnownAccess }>();
  // When each handshake's auth call started: its answer's last_message_id was read after this.
  const authStartedAt = new WeakMap<ClientSocket, number>();
  // A registration Redis has not answered yet: a disconnect waits for it, so no stale entry is left.
  const registering = new WeakMap<ClientSocket, Promise<void>>();
  const typing = createTypingRelay<ClientSocket>(TYPING_INTERVAL_MS, (socket, conversationId, isTyping) =>
    broadcaster.userTyping(conversationId, socket.data.principal.device_id, isTyping),
  );

  const onEvent = guard.listener<ClientSocket>('/client', {
    'conversation:join': route(ConversationRef, joinConversation(api, deps.interest)),
    'conversation:leave': route(ConversationRef, (socket: ClientSocket, { conversation_id }) => {
      socket.leave(conversationRoom(conversation_id));
    }),
    'typing:start': route(ConversationRef, typing.event(true)),
    'typing:stop': route(ConversationRef, typing.event(false)),
    'auth:refresh': route(AuthRefresh, refreshAuth(api, deps.sessions)),
    'message:send': route(SocketSendMessage, async (socket: ClientSocket, input) => {
      const { message } = await api.sendMessage(socket.data.principal, input);
      return { message };
    }),
  });

  function onDisconnect(this: ClientSocket, reason: string) {
    const socket = this;
    metrics.disconnects.inc({ namespace: '/client', reason });
    typing.disconnected(socket);
    deps.sessions.untrack(socket);
    void announcer.disconnected(connectionRecordOf(socket, nodeId), registering.get(socket) ?? Promise.resolve(), reason);
  }

  const { limits } = deps;
  nsp.use(limits.beforeAuth('/client'));
  nsp.use((socket, next) => {
    authStartedAt.set(socket, performance.now());
    next();
  });
  nsp.use(
    limits.countingFailures(
      clientHandshake(deps.gate, metrics, deps.logger, (socket, answer) => rememberLatest(socket, answer.latest_conversation), deps.sessions.read),
    ),
  );
  nsp.use(limits.afterAuth('/client'));

  const rememberLatest = (socket: ClientSocket, latest: InternalAuthClientResponse['latest_conversation']) => {
    const readSince = authStartedAt.get(socket) ?? Number.NEGATIVE_INFINITY;
    authStartedAt.delete(socket);
    if (latest) latestBySocket.set(socket, { id: latest.id, known: { lastMessageId: latest.last_message_id, readSince } });
  };

  /**
   * The latest conversation is joined before `connected`, as a `conversation:join` is: interest first; the
   * handshake's `last_message_id` is kept when the node's interest in the room is older than the handshake's auth
   * call, else read again after the interest. Not joined when that fails.
   */
  const prepareAutoJoin = async (socket: ClientSocket, latest: { readonly id: string; readonly known: KnownAccess }): Promise<PreparedJoin | undefined> => {
    try {
      return await prepareJoin(api, deps.interest, socket, latest.id, latest.known);
    } catch (error) {
      metrics.eventErrors.inc({ namespace: '/client', event: 'conversation:join', code: errorCodeOf(error) });
      deps.logger.debug({ err: error }, 'the latest conversation could not be joined on connect');
      return undefined;
    }
  };

  nsp.on('connection', (socket) => {
    metrics.connects.inc({ namespace: '/client' });
    releaseHandshake(socket);
    const latest = latestBySocket.get(socket);
    latestBySocket.delete(socket);
    const registered = announcer.connected(connectionRecordOf(socket, nodeId));
    registering.set(socket, registered);
    void registered.finally(() => registering.delete(socket));

    socket.onAny(onEvent);
    socket.on('disconnect', onDisconnect);
    deps.sessions.track(socket);
    authStartedAt.delete(socket);
    void (latest ? prepareAutoJoin(socket, latest) : Promise.resolve(undefined)).then((prepared) => {
      if (!socket.connected) return prepared?.cancel();
      socket.emit('connected', { connection_id: socket.id, server_time: new Date().toISOString() });
      prepared?.join();
    });
  });
}
