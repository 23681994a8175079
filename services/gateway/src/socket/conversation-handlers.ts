import type { ConversationJoinedPayload, ConversationRef } from '@switchboard/protocol';
import type { MessagesApi } from '../messages-api.js';
import { notJoined } from './errors.js';
import { createTypingThrottle, type TypingThrottle } from './typing.js';
import { conversationRoom, type AnySocket, type EmittingSocket } from './types.js';

/**
 * `conversation:join` for either namespace: the messages service checks that the principal may see the
 * conversation (own device's for a client, own app's for an agent), then the socket joins its room and is told.
 * Shared by every socket of the namespace: the socket comes as an argument.
 */
export function joinConversation<S extends AnySocket>(api: MessagesApi) {
  return async (socket: S, { conversation_id }: ConversationRef) => {
    const access = await api.conversationAccess(socket.data.principal, conversation_id);
    socket.join(conversationRoom(access.conversation_id));
    joined(socket, { conversation_id: access.conversation_id, last_message_id: access.last_message_id });
    return { last_message_id: access.last_message_id };
  };
}

const joined = (socket: EmittingSocket, payload: ConversationJoinedPayload) => socket.emit('conversation:joined', payload);

export interface TypingRelay<S extends AnySocket> {
  /** The `typing:start` (true) / `typing:stop` (false) handler: only in a joined conversation, throttled. */
  event(isTyping: boolean): (socket: S, payload: ConversationRef) => void;
  /** A socket left: the others are told it stopped typing wherever it was. */
  disconnected(socket: S): void;
}

/**
 * Typing for a namespace. A socket gets its throttle only once it types (memory per connection is the budget).
 */
export function createTypingRelay<S extends AnySocket>(
  intervalMs: number,
  relay: (socket: S, conversationId: string, isTyping: boolean) => void,
): TypingRelay<S> {
  const bySocket = new WeakMap<S, TypingThrottle>();
  const throttleOf = (socket: S) => {
    let throttle = bySocket.get(socket);
    if (!throttle) {
      throttle = createTypingThrottle(intervalMs, (conversationId, isTyping) => relay(socket, conversationId, isTyping));
      bySocket.set(socket, throttle);
    }
    return throttle;
  };
  return {
    event: (isTyping) => (socket, { conversation_id }) => {
      if (!socket.rooms.has(conversationRoom(conversation_id))) throw notJoined();
      if (throttleOf(socket).offer(conversation_id, isTyping)) relay(socket, conversation_id, isTyping);
    },
    disconnected(socket) {
      const throttle = bySocket.get(socket);
      if (!throttle) return;
      for (const conversationId of throttle.typingIn()) relay(socket, conversationId, false);
      throttle.close();
      bySocket.delete(socket);
    },
  };
}
