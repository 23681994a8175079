import type { ConversationJoinedPayload, ConversationRef } from '@switchboard/protocol';
import type { MessagesApi } from '../messages-api.js';
import { roomNamespaceOf, type RoomInterest } from '../fanout/room-interest.js';
import { notJoined } from './errors.js';
import { createTypingThrottle, type TypingThrottle } from './typing.js';
import { conversationRoom, type AnySocket, type EmittingSocket } from './types.js';

/**
 * Access already checked, and `last_message_id` read, no earlier than `readSince` (`performance.now()`): the
 * handshake's answer for a device's latest conversation. Used as is when the node's interest in the room is older
 * than that read (every later message reaches the node); else read again after the interest.
 */
export interface KnownAccess {
  readonly lastMessageId: string | null;
  readonly readSince: number;
}

/** A join whose interest is registered and whose access was checked: the socket joins when `join()` is called. */
export interface PreparedJoin {
  /** Puts the socket in the room, emits what reached it since the interest, then `conversation:joined`. */
  join(): { last_message_id: string | null };
  /** The socket will not join after all (it left): the interest is given back. */
  cancel(): void;
}

/**
 * `conversation:join` for either namespace, and the auto-join of a device's latest conversation. In this order, so
 * that the socket misses nothing after the `last_message_id` it is told (docs/scaling.md, "The join race"):
 *
 * 1. the node takes an interest in the room (its NATS subscription is on the server);
 * 2. the messages service checks that the principal may see the conversation (own device's for a client, own app's
 *    for an agent) and reads `last_message_id`: every message after it is published after step 1, so it reaches
 *    this node;
 * 3. `join()`: the socket joins the room and gets what reached the room since step 1, then is told.
 *
 * A refused join gives the interest back and rejects with the refusal.
 */
export async function prepareJoin(
  api: MessagesApi,
  interest: RoomInterest,
  socket: AnySocket,
  conversationId: string,
  known?: KnownAccess,
): Promise<PreparedJoin> {
  const lease = await interest.acquire(roomNamespaceOf(socket), conversationRoom(conversationId));
  let lastMessageId: string | null;
  try {
    lastMessageId =
      known && lease.since <= known.readSince
        ? known.lastMessageId
        : (await api.conversationAccess(socket.data.principal, conversationId)).last_message_id;
  } catch (error) {
    lease.release();
    throw error;
  }
  return {
    join() {
      lease.join(socket);
      joined(socket, { conversation_id: conversationId, last_message_id: lastMessageId });
      return { last_message_id: lastMessageId };
    },
    cancel: () => lease.release(),
  };
}

/** The `conversation:join` handler of either namespace (shared by every socket: the socket comes as an argument). */
export function joinConversation<S extends AnySocket>(api: MessagesApi, interest: RoomInterest) {
  return async (socket: S, { conversation_id }: ConversationRef) => {
    const prepared = await prepareJoin(api, interest, socket, conversation_id);
    if (socket.connected) return prepared.join();
    prepared.cancel();
    return { last_message_id: null };
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
