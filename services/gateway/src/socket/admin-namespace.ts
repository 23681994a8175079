import { AppRef, ConversationRef, SocketSendMessage } from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import type { Broadcaster } from '../fanout/broadcaster.js';
import type { MessagesApi } from '../messages-api.js';
import type { GatewayMetrics } from '../metrics.js';
import type { ConnectionRegistry } from '../presence/connection-registry.js';
import { GatewayError } from './errors.js';
import { joinConversation, relayTyping } from './conversation-handlers.js';
import type { EventGuard } from './event-guard.js';
import { adminHandshake } from './handshake-auth.js';
import { createTypingThrottle } from './typing.js';
import { appRoom, conversationRoom, type AdminNamespace } from './types.js';

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

const KNOWN = new Set(['app:subscribe', 'conversation:join', 'conversation:leave', 'message:send', 'typing:start', 'typing:stop', 'sessions:list', 'ping']);

const foreignApp = () => new GatewayError('FORBIDDEN', "another app's data");

/** The `/admin` namespace: an app's agents. Every socket sits in `app:{app_id}`, its inbox. */
export function registerAdminNamespace(nsp: AdminNamespace, deps: AdminNamespaceDeps): void {
  const { api, guard, metrics, broadcaster } = deps;
  nsp.use(adminHandshake(api, metrics, deps.logger));

  nsp.on('connection', (socket) => {
    const { appId } = socket.data;
    const principal = { app_id: appId };
    metrics.connects.inc({ namespace: '/admin' });
    socket.join(appRoom(appId));
    socket.emit('connected', { connection_id: socket.id, server_time: new Date().toISOString() });

    const relay = (conversationId: string, isTyping: boolean) => broadcaster.agentTyping(conversationId, isTyping);
    const typing = createTypingThrottle(deps.typingIntervalMs ?? 1000, relay);
    const typingEvent = relayTyping(socket, typing, relay);

    guard.refuseUnknown(socket, KNOWN);
    guard.ping(socket);
    guard.on(socket, 'app:subscribe', AppRef, ({ app_id }) => {
      if (app_id !== appId) throw foreignApp();
      socket.join(appRoom(appId));
    });
    guard.on(socket, 'conversation:join', ConversationRef, joinConversation(socket, api, principal));
    guard.on(socket, 'conversation:leave', ConversationRef, ({ conversation_id }) => {
      socket.leave(conversationRoom(conversation_id));
    });
    guard.on(socket, 'message:send', SocketSendMessage, async (input) => {
      const { message } = await api.sendMessage(principal, input);
      return { message };
    });
    guard.on(socket, 'typing:start', ConversationRef, typingEvent(true));
    guard.on(socket, 'typing:stop', ConversationRef, typingEvent(false));
    guard.on(socket, 'sessions:list', AppRef, async ({ app_id }) => {
      if (app_id !== appId) throw foreignApp();
      try {
        return { sessions: await deps.registry.listSessions(appId) };
      } catch (error) {
        metrics.redisErrors.inc({ client: 'presence' });
        throw new GatewayError('UNAVAILABLE', 'sessions cannot be listed right now', { cause: error });
      }
    });

    socket.on('disconnect', (reason) => {
      metrics.disconnects.inc({ namespace: '/admin', reason });
      for (const conversationId of typing.typingIn()) relay(conversationId, false);
      typing.close();
    });
  });
}
