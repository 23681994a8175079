import type {
  ConversationUpdatedEvent,
  MessageCreatedEvent,
  MessageStatusEvent,
  PresenceChangePayload,
  SessionConnectPayload,
  SessionDisconnectPayload,
} from '@switchboard/protocol';
import type { RoomBus } from '../fanout/room-bus.js';
import type { GatewayMetrics } from '../metrics.js';
import { appRoom, conversationRoom } from './types.js';

/**
 * Everything the gateway announces to rooms, on every node that holds a socket in them (through the room bus). The
 * fan-out consumer, the namespaces and the sweeper get this, never `io`.
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
 * Each event goes to exactly one room per namespace, so every node that receives it keeps Socket.IO's uWS fast path
 * (one native publish per room) and no socket gets it twice. Admin sockets are always in their app's room, so
 * `app:{id}` reaches every agent of the app, the ones that joined the conversation included.
 */
export function createBroadcaster(bus: RoomBus, metrics: GatewayMetrics): Broadcaster {
  const out = (event: string) => metrics.eventsOut.inc({ event });
  return {
    messageCreated(event) {
      const { app_id, ...message } = event;
      bus.publish('client', conversationRoom(message.conversation_id), 'message:new', message);
      bus.publish('admin', appRoom(app_id), 'message:new', message);
      out('message:new');
    },
    messageStatus(event) {
      const { app_id, ...payload } = event;
      bus.publish('client', conversationRoom(payload.conversation_id), 'message:status', payload);
      bus.publish('admin', appRoom(app_id), 'message:status', payload);
      out('message:status');
    },
    conversationUpdated(event) {
      const { app_id, conversation, user_unread_count } = event;
      bus.publish('client', conversationRoom(conversation.id), 'conversation:updated', { ...conversation, unread_count: user_unread_count });
      // The event's conversation is the agents' view (their unread count).
      bus.publish('admin', appRoom(app_id), 'conversation:updated', conversation);
      out('conversation:updated');
    },
    presenceChange(payload) {
      bus.publish('admin', appRoom(payload.app_id), 'presence:change', payload);
      out('presence:change');
    },
    sessionConnect(payload) {
      bus.publish('admin', appRoom(payload.app_id), 'session:connect', payload);
      out('session:connect');
    },
    sessionDisconnect(payload) {
      bus.publish('admin', appRoom(payload.app_id), 'session:disconnect', payload);
      out('session:disconnect');
    },
    userTyping(conversationId, deviceId, isTyping) {
      bus.publish('admin', conversationRoom(conversationId), 'user:typing', { conversation_id: conversationId, device_id: deviceId, is_typing: isTyping });
      out('user:typing');
    },
    agentTyping(conversationId, isTyping) {
      bus.publish('client', conversationRoom(conversationId), 'agent:typing', { conversation_id: conversationId, is_typing: isTyping });
      out('agent:typing');
    },
  };
}
