import { AppRef, AuthRefresh, ConversationRef, SocketConversationUpdate, SocketSendMessage } from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import type { Broadcaster } from './broadcaster.js';
import type { MessagesApi } from '../messages-api.js';
import type { AuthGate } from './auth-gate.js';
import type { GatewayMetrics } from '../metrics.js';
import type { ConnectionRegistry } from '../presence/connection-registry.js';
import type { AgentPresence } from '../presence/agent-presence.js';
import { refreshAuth } from './auth-refresh.js';
import { createTypingRelay, joinConversation } from './conversation-handlers.js';
import { GatewayError } from './errors.js';
import { joinWithInterest, type RoomInterest } from '../fanout/room-interest.js';
import { route, type EventGuard } from './event-guard.js';
import type { HandshakeLimits } from '../limits/handshake-limits.js';
import { adminHandshake } from './handshake-auth.js';
import { releaseHandshake } from './socket-footprint.js';
import type { SessionEnforcer } from './session-enforcer.js';
import { TYPING_INTERVAL_MS } from './typing.js';
import { appRoom, conversationRoom, type AdminNamespace, type AdminSocket } from './types.js';

export interface AdminNamespaceDeps {
  readonly api: MessagesApi;
  /** The handshake's way to the messages service (bounded, refusals remembered). */
  readonly gate: AuthGate;
  readonly registry: ConnectionRegistry;
  /** Which agent sockets are open, for `recipient_online` (read by the webhooks service). */
  readonly agents: AgentPresence;
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
}

const foreignApp = () => new GatewayError('FORBIDDEN', "another app's data");

/**
 * The `/admin` namespace: an app's agents. Every socket sits in `app:{app_id}`, its inbox. Listeners are shared
 * by every socket and per-socket state is created only when needed, as in the `/client` namespace.
 */
export function registerAdminNamespace(nsp: AdminNamespace, deps: AdminNamespaceDeps): void {
  const { api, guard, metrics, broadcaster } = deps;
  const typing = createTypingRelay<AdminSocket>(TYPING_INTERVAL_MS, (_socket, conversationId, isTyping) =>
    broadcaster.agentTyping(conversationId, isTyping),
  );

  const onEvent = guard.listener<AdminSocket>('/admin', {
    'app:subscribe': route(AppRef, async (socket: AdminSocket, { app_id }) => {
      if (app_id !== socket.data.principal.app_id) throw foreignApp();
      if (!socket.rooms.has(appRoom(app_id))) await joinWithInterest(deps.interest, socket, appRoom(app_id));
    }),
    'conversation:join': route(ConversationRef, joinConversation(api, deps.interest)),
    'conversation:leave': route(ConversationRef, (socket: AdminSocket, { conversation_id }) => {
      socket.leave(conversationRoom(conversation_id));
    }),
    'auth:refresh': route(AuthRefresh, refreshAuth(api, deps.sessions)),
    'message:send': route(SocketSendMessage, async (socket: AdminSocket, input) => {
      const { message } = await api.sendMessage(socket.data.principal, input);
      return { message };
    }),
    'conversation:update': route(SocketConversationUpdate, async (socket: AdminSocket, input) => ({
      conversation: await api.updateConversation(socket.data.principal, input),
    })),
    'typing:start': route(ConversationRef, typing.event(true)),
    'typing:stop': route(ConversationRef, typing.event(false)),
    'sessions:list': route(AppRef, async (socket: AdminSocket, { app_id }) => {
      if (app_id !== socket.data.principal.app_id) throw foreignApp();
      try {
        return { sessions: await deps.registry.listSessions(app_id) };
      } catch (error) {
        metrics.redisErrors.inc({ client: 'presence' });
        throw new GatewayError('UNAVAILABLE', 'sessions cannot be listed right now', { cause: error });
      }
    }),
  });

  function onDisconnect(this: AdminSocket, reason: string) {
    metrics.disconnects.inc({ namespace: '/admin', reason });
    typing.disconnected(this);
    deps.sessions.untrack(this);
    deps.agents.disconnected(this);
  }

  nsp.use(deps.limits.beforeAuth('/admin'));
  nsp.use(deps.limits.countingFailures(adminHandshake(deps.gate, metrics, deps.logger, deps.sessions.read)));

  nsp.on('connection', (socket) => {
    metrics.connects.inc({ namespace: '/admin' });
    releaseHandshake(socket);
    socket.onAny(onEvent);
    socket.on('disconnect', onDisconnect);
    deps.sessions.track(socket);
    deps.agents.connected(socket);
    // The app's room (the agent's inbox) is joined, with this node's interest in it, before `connected`.
    joinWithInterest(deps.interest, socket, appRoom(socket.data.principal.app_id)).then(
      (joinedRoom) => {
        if (joinedRoom) socket.emit('connected', { connection_id: socket.id, server_time: new Date().toISOString() });
      },
      (error: unknown) => {
        // Without its app's room an agent hears nothing: its transport is closed and it reconnects, maybe elsewhere.
        metrics.eventErrors.inc({ namespace: '/admin', event: 'app:subscribe', code: 'UNAVAILABLE' });
        deps.logger.warn({ err: error }, "an agent's app room could not be joined; closing its connection");
        socket.conn.close();
      },
    );
  });
}
