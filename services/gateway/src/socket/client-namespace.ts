import { ConversationRef, SocketSendMessage, type InternalAuthClientResponse } from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import type { Broadcaster } from '../fanout/broadcaster.js';
import type { MessagesApi } from '../messages-api.js';
import type { GatewayMetrics } from '../metrics.js';
import { joinConversation, relayTyping } from './conversation-handlers.js';
import type { EventGuard } from './event-guard.js';
import { clientHandshake } from './handshake-auth.js';
import { createTypingThrottle } from './typing.js';
import { conversationRoom, type ClientNamespace, type ClientSocket } from './types.js';
import { connectionRecordOf, type PresenceAnnouncer } from './presence-announcer.js';

export interface ClientNamespaceDeps {
  readonly api: MessagesApi;
  readonly announcer: PresenceAnnouncer;
  readonly broadcaster: Broadcaster;
  readonly guard: EventGuard;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly nodeId: string;
  /** @default 1000 */
  readonly typingIntervalMs?: number;
}

const KNOWN = new Set(['conversation:join', 'conversation:leave', 'typing:start', 'typing:stop', 'message:send', 'ping']);

/** The `/client` namespace: devices of an app, each in its own conversations only. */
export function registerClientNamespace(nsp: ClientNamespace, deps: ClientNamespaceDeps): void {
  const { api, guard, metrics, broadcaster } = deps;
  // The handshake's answer is needed once, right after it; not kept on the socket.
  const latestBySocket = new WeakMap<ClientSocket, InternalAuthClientResponse['latest_conversation']>();
  nsp.use(clientHandshake(api, metrics, deps.logger, (socket, answer) => latestBySocket.set(socket, answer.latest_conversation)));

  nsp.on('connection', (socket) => {
    const { appId, deviceId = '' } = socket.data;
    const principal = { app_id: appId, device_id: deviceId };
    const record = connectionRecordOf(socket, deps.nodeId);
    metrics.connects.inc({ namespace: '/client' });

    socket.emit('connected', { connection_id: socket.id, server_time: new Date().toISOString() });
    const latest = latestBySocket.get(socket);
    latestBySocket.delete(socket);
    if (latest) {
      socket.join(conversationRoom(latest.id));
      socket.emit('conversation:joined', { conversation_id: latest.id, last_message_id: latest.last_message_id });
    }
    const registered = deps.announcer.connected(record);

    const relay = (conversationId: string, isTyping: boolean) => broadcaster.userTyping(conversationId, deviceId, isTyping);
    const typing = createTypingThrottle(deps.typingIntervalMs ?? 1000, relay);
    const typingEvent = relayTyping(socket, typing, relay);

    guard.refuseUnknown(socket, KNOWN);
    guard.ping(socket);
    guard.on(socket, 'conversation:join', ConversationRef, joinConversation(socket, api, principal));
    guard.on(socket, 'conversation:leave', ConversationRef, ({ conversation_id }) => {
      socket.leave(conversationRoom(conversation_id));
    });
    guard.on(socket, 'typing:start', ConversationRef, typingEvent(true));
    guard.on(socket, 'typing:stop', ConversationRef, typingEvent(false));
    guard.on(socket, 'message:send', SocketSendMessage, async (input) => {
      const { message } = await api.sendMessage(principal, input);
      return { message };
    });

    socket.on('disconnect', (reason) => {
      metrics.disconnects.inc({ namespace: '/client', reason });
      for (const conversationId of typing.typingIn()) relay(conversationId, false);
      typing.close();
      deps.announcer.disconnected(record, registered, reason);
    });
  });
}
