import { AppRef, ConversationRef, SocketSendMessage } from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import type { Broadcaster } from '../fanout/broadcaster.js';
import type { MessagesApi } from '../messages-api.js';
import type { GatewayMetrics } from '../metrics.js';
import type { ConnectionRegistry } from '../presence/connection-registry.js';
import { GatewayError, notJoined } from './errors.js';
import { route, type EventGuard } from './event-guard.js';
import { adminHandshake } from './handshake-auth.js';
import { createTypingThrottle, type TypingThrottle } from './typing.js';
import { appRoom, conversationRoom, type AdminNamespace, type AdminSocket } from './types.js';

export interface AdminNamespaceDeps {
  readonly api: MessagesApi;
  readonly registry: ConnectionRegistry;
  readonly broadcaster: Broadcaster;
  readonly guard: EventGuard;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** @default 1000 */
  readonly typingIntervalMs?: number;
}

const foreignApp = () => new GatewayError('FORBIDDEN', "another app's data");

/**
 * The `/admin` namespace: an app's agents. Every socket sits in `app:{app_id}`, its inbox. Listeners are shared
 * by every socket and per-socket state is created only when needed, as in the `/client` namespace.
 */
export function registerAdminNamespace(nsp: AdminNamespace, deps: AdminNamespaceDeps): void {
  const { api, guard, metrics, broadcaster } = deps;
  const typingIntervalMs = deps.typingIntervalMs ?? 1000;
  const typingBySocket = new WeakMap<AdminSocket, TypingThrottle>();
  const principalOf = (socket: AdminSocket) => ({ app_id: socket.data.appId });
  const typingOf = (socket: AdminSocket) => {
    let typing = typingBySocket.get(socket);
    if (!typing) {
      typing = createTypingThrottle(typingIntervalMs, (conversationId, isTyping) => broadcaster.agentTyping(conversationId, isTyping));
      typingBySocket.set(socket, typing);
    }
    return typing;
  };
  const relayTyping = (isTyping: boolean) => (socket: AdminSocket, { conversation_id }: ConversationRef) => {
    if (!socket.rooms.has(conversationRoom(conversation_id))) throw notJoined();
    if (typingOf(socket).offer(conversation_id, isTyping)) broadcaster.agentTyping(conversation_id, isTyping);
  };

  const onEvent = guard.listener<AdminSocket>({
    'app:subscribe': route(AppRef, (socket: AdminSocket, { app_id }) => {
      if (app_id !== socket.data.appId) throw foreignApp();
      socket.join(appRoom(app_id));
    }),
    'conversation:join': route(ConversationRef, async (socket: AdminSocket, { conversation_id }) => {
      const access = await api.conversationAccess(principalOf(socket), conversation_id);
      socket.join(conversationRoom(access.conversation_id));
      socket.emit('conversation:joined', { conversation_id: access.conversation_id, last_message_id: access.last_message_id });
      return { last_message_id: access.last_message_id };
    }),
    'conversation:leave': route(ConversationRef, (socket: AdminSocket, { conversation_id }) => {
      socket.leave(conversationRoom(conversation_id));
    }),
    'message:send': route(SocketSendMessage, async (socket: AdminSocket, input) => {
      const { message } = await api.sendMessage(principalOf(socket), input);
      return { message };
    }),
    'typing:start': route(ConversationRef, relayTyping(true)),
    'typing:stop': route(ConversationRef, relayTyping(false)),
    'sessions:list': route(AppRef, async (socket: AdminSocket, { app_id }) => {
      if (app_id !== socket.data.appId) throw foreignApp();
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
    const typing = typingBySocket.get(this);
    if (typing) {
      for (const conversationId of typing.typingIn()) broadcaster.agentTyping(conversationId, false);
      typing.close();
      typingBySocket.delete(this);
    }
  }

  nsp.use(adminHandshake(api, metrics, deps.logger));

  nsp.on('connection', (socket) => {
    metrics.connects.inc({ namespace: '/admin' });
    socket.join(appRoom(socket.data.appId));
    socket.emit('connected', { connection_id: socket.id, server_time: new Date().toISOString() });
    socket.onAny(onEvent);
    socket.on('disconnect', onDisconnect);
  });
}
