import type { ConversationRef, InternalPrincipal } from '@switchboard/protocol';
import type { MessagesApi } from '../messages-api.js';
import { notJoined } from './errors.js';
import type { TypingThrottle } from './typing.js';
import { conversationRoom, type AnySocket } from './types.js';

/**
 * `conversation:join` for either namespace: the messages service checks that the principal may see the
 * conversation (own device's for a client, own app's for an agent), then the socket joins its room and is told.
 */
export function joinConversation(socket: AnySocket, api: MessagesApi, principal: InternalPrincipal) {
  return async ({ conversation_id }: ConversationRef) => {
    const access = await api.conversationAccess(principal, conversation_id);
    socket.join(conversationRoom(access.conversation_id));
    (socket as AnySocket & { emit(e: 'conversation:joined', p: object): boolean }).emit('conversation:joined', {
      conversation_id: access.conversation_id,
      last_message_id: access.last_message_id,
    });
    return { last_message_id: access.last_message_id };
  };
}

/** `typing:start` / `typing:stop`: only in a joined conversation, through the connection's throttle. */
export function relayTyping(socket: AnySocket, throttle: TypingThrottle, relay: (conversationId: string, isTyping: boolean) => void) {
  return (isTyping: boolean) =>
    ({ conversation_id }: ConversationRef) => {
      if (!socket.rooms.has(conversationRoom(conversation_id))) throw notJoined();
      if (throttle.offer(conversation_id, isTyping)) relay(conversation_id, isTyping);
    };
}
