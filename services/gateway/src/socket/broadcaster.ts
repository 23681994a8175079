import type {
  ConversationUpdatedEvent,
  MessageCreatedEvent,
  MessageStatusEvent,
  PresenceChangePayload,
  SessionConnectPayload,
  SessionDisconnectPayload,
} from '@switchboard/protocol';
import type { GatewayMetrics } from '../metrics.js';
import { appRoom, conversationRoom, type AdminNamespace, type ClientNamespace } from './types.js';

/**
 * Everything the gateway announces to rooms, on every node (through the adapter). The fan-out consumer, the
 * namespaces and the sweeper get this, never `io`.
 */
export interface Broadcaster {
  messageCreated(event: MessageCreatedEvent): void;
  messageStatus(event: MessageStatusEvent): void;
  /** A change of a conversation's workflow: each namespace gets the conversation with its own side's unread count. */
  conversationUpdated(event: ConversationUpdatedEvent): void;
  presenceChange(payload: PresenceChangePayload): void;
  sessionConnect(payload: SessionConnectPayload): void;
  sessionDisconnect(payload: SessionDisconnectPayload): void;
  userTyping(conversationId: string, deviceId: string, isTyping: boolean): void;
  agentTyping(conversationId: string, isTyping: boolean): void;
}

/**
 * Each event goes to exactly one room per namespace, so Socket.IO keeps its uWS fast path (one native publish per
 * room) and no socket gets it twice. Admin sockets are always in their app's room, so `app:{id}` reaches every
 * agent of the app, the ones that joined the conversation included.
 */
export function createSocketIoBroadcaster(client: ClientNamespace, admin: AdminNamespace, metrics: GatewayMetrics): Broadcaster {
  const out = (event: string) => metrics.eventsOut.inc({ event });
  return {
    messageCreated(event) {
      const { app_id, ...message } = event;
      client.to(conversationRoom(message.conversation_id)).emit('message:new', message);
      admin.to(appRoom(app_id)).emit('message:new', message);
      out('message:new');
    },
    messageStatus(event) {
      const { app_id, ...payload } = event;
      client.to(conversationRoom(payload.conversation_id)).emit('message:status', payload);
      admin.to(appRoom(app_id)).emit('message:status', payload);
      out('message:status');
    },
    conversationUpdated(event) {
      const { app_id, conversation, user_unread_count } = event;
      client.to(conversationRoom(conversation.id)).emit('conversation:updated', { ...conversation, unread_count: user_unread_count });
      // The event's conversation is the agents' view (their unread count).
      admin.to(appRoom(app_id)).emit('conversation:updated', conversation);
      out('conversation:updated');
    },
    presenceChange(payload) {
      admin.to(appRoom(payload.app_id)).emit('presence:change', payload);
      out('presence:change');
    },
    sessionConnect(payload) {
      admin.to(appRoom(payload.app_id)).emit('session:connect', payload);
      out('session:connect');
    },
    sessionDisconnect(payload) {
      admin.to(appRoom(payload.app_id)).emit('session:disconnect', payload);
      out('session:disconnect');
    },
    userTyping(conversationId, deviceId, isTyping) {
      admin.to(conversationRoom(conversationId)).emit('user:typing', { conversation_id: conversationId, device_id: deviceId, is_typing: isTyping });
      out('user:typing');
    },
    agentTyping(conversationId, isTyping) {
      client.to(conversationRoom(conversationId)).emit('agent:typing', { conversation_id: conversationId, is_typing: isTyping });
      out('agent:typing');
    },
  };
}
