import type { App, Conversation, IdentityKey, Message, MessageStatus } from '@switchboard/protocol';
import type { AppRow, ConversationRow, IdentityKeyRow, MessageRow } from '../db/schema.js';

/** The read markers of a conversation, by side. */
export interface ReadMarkers {
  readonly user_read_seq: number;
  readonly agent_read_seq: number;
}

export function toConversation(row: ConversationRow): Conversation {
  return {
    id: row.id,
    app_id: row.app_id,
    device_id: row.device_id,
    user_id: row.user_id,
    status: row.status,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    last_message_id: row.last_message_id,
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
