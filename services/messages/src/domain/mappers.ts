import type { App, Conversation, IdentityKey, Message, MessageStatus, ReaderSide } from '@switchboard/protocol';
import type { AppRow, ConversationRow, IdentityKeyRow, MessageRow } from '../db/schema.js';

/** The read markers of a conversation, by side. */
export interface ReadMarkers {
  readonly user_read_seq: number;
  readonly agent_read_seq: number;
}

/** The counters of a conversation that make its unread counts (migration 0003). */
export type UnreadCounters = Pick<
  ConversationRow,
  'user_message_count' | 'agent_message_count' | 'agent_read_user_count' | 'user_read_agent_count'
>;

/** The messages from the other side after `side`'s read marker: O(1), from the conversation's counters. */
export function unreadCount(row: UnreadCounters, side: ReaderSide): number {
  const unread =
    side === 'agent' ? row.user_message_count - row.agent_read_user_count : row.agent_message_count - row.user_read_agent_count;
  return Math.max(0, unread);
}

/** A conversation as `side` sees it (`unread_count` is that side's). */
export function toConversation(row: ConversationRow, side: ReaderSide): Conversation {
  return {
    id: row.id,
    app_id: row.app_id,
    device_id: row.device_id,
    user_id: row.user_id,
    status: row.status,
    snoozed_until: row.snoozed_until?.toISOString() ?? null,
    assignee_id: row.assignee_id,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    last_message_id: row.last_message_id,
    last_message_at: row.last_message_at?.toISOString() ?? null,
    unread_count: unreadCount(row, side),
  };
}

/**
 * `status` is seen from the other side: a user's message is `read` once the agents' marker reaches it, an agent's
 * once the user's does; a system message once either side has read it.
 */
export function messageStatus(row: Pick<MessageRow, 'sender' | 'seq'>, markers: ReadMarkers): MessageStatus {
  const readBy =
    row.sender === 'user'
      ? markers.agent_read_seq
      : row.sender === 'agent'
        ? markers.user_read_seq
        : Math.max(markers.user_read_seq, markers.agent_read_seq);
  return readBy >= row.seq ? 'read' : 'sent';
}

export function toMessage(row: MessageRow, markers: ReadMarkers): Message {
  return {
    id: row.id,
    local_id: row.local_id,
    conversation_id: row.conversation_id,
    seq: row.seq,
    body: row.body,
    sender: row.sender,
    sender_id: row.sender_id,
    sender_name: row.sender_name,
    created_at: row.created_at.toISOString(),
    status: messageStatus(row, markers),
  };
}

/** An app as the operator API shows it: never a secret. */
export function toApp(row: AppRow): App {
  return { id: row.id, name: row.name, identity: row.identity, created_at: row.created_at.toISOString() };
}

/** An identity key as listed: never its secret. */
export function toIdentityKey(row: Pick<IdentityKeyRow, 'kid' | 'alg' | 'created_at'>): IdentityKey {
  return { kid: row.kid, alg: row.alg, created_at: row.created_at.toISOString() };
}
