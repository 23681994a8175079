import { SUBJECTS, type ConversationUpdatedEvent } from '@switchboard/protocol';
import type { ConversationRow } from '../db/schema.js';
import type { OutboxEvent } from '../repositories/outbox.js';
import { newId } from './ids.js';
import { toConversation, unreadCount } from './mappers.js';

/**
 * The outbox event of one change of a conversation's `status`, `snoozed_until` or `assignee_id` (CONTRACT.md,
 * workflow), from the row as it is after the change, written in the transaction that made it. Every writer of a
 * change (PATCH, the admin socket, reopening by a user's message, the snooze wake-up) uses this one, so each
 * change is announced once, with its own `Nats-Msg-Id`. The conversation is the agents' view; the user's unread
 * count rides beside it for the gateway.
 */
export function conversationUpdatedEvent(row: ConversationRow): OutboxEvent<typeof SUBJECTS.conversationUpdated> {
  const payload: ConversationUpdatedEvent = {
    app_id: row.app_id,
    conversation: toConversation(row, 'agent'),
    user_unread_count: unreadCount(row, 'user'),
  };
  return { subject: SUBJECTS.conversationUpdated, msgId: newId('evt'), conversationId: row.id, payload };
}
