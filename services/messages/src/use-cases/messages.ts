import type { Kysely } from 'kysely';
import {
  LIMITS,
  SUBJECTS,
  type Message,
  type MessageCreatedEvent,
  type MessagePage,
  type MessageStatusEvent,
} from '@switchboard/protocol';
import type { Database } from '../db/schema.js';
import { notFound, validationFailed } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { toMessage } from '../domain/mappers.js';
import { sideOf, type Principal } from '../domain/principal.js';
import { advanceReadMarker, findConversation, lockConversation, recordMessage } from '../repositories/conversations.js';
import {
  findMessageByLocalId,
  findMessageSeq,
  insertMessage,
  listMessages,
  type PageDirection,
} from '../repositories/messages.js';
import { enqueueOutboxEvent, notifyEach, type OutboxWake } from '../repositories/outbox.js';

export interface SendResult {
  readonly message: Message;
  /** False when `local_id` was already used in this conversation: `message` is the first one, unchanged. */
  readonly created: boolean;
}

/**
 * Stores a message once per `(conversation, local_id)`. The order inside the transaction is what makes it safe
 * under races: lock the conversation row, look the `local_id` up (found: return it), allocate `seq = last_seq + 1`,
 * insert, and write the `message.created` outbox event. Nothing in it can hit a unique violation, so no retry can
 * abort the transaction or leave a hole in `seq`. Once it committed, `wake` tells the outbox relay.
 */
export async function sendMessage(
  db: Kysely<Database>,
  principal: Principal,
  conversationId: string,
  input: { body: string; local_id: string },
  wake: OutboxWake = notifyEach(db),
): Promise<SendResult> {
  const result = await db.transaction().execute(async (trx): Promise<SendResult> => {
    const conversation = await lockConversation(trx, conversationId, principal);
    if (!conversation) throw notFound('conversation');
    const existing = await findMessageByLocalId(trx, conversationId, input.local_id);
    if (existing) return { message: toMessage(existing, conversation), created: false };

    const seq = conversation.last_seq + 1;
    const row = await insertMessage(trx, {
      id: newId('msg'),
      conversation_id: conversationId,
      seq,
      local_id: input.local_id,
      body: input.body,
      sender: sideOf(principal),
    });
    await recordMessage(trx, conversationId, row);
    const message = toMessage(row, conversation);
    const event: MessageCreatedEvent = { ...message, app_id: conversation.app_id };
    await enqueueOutboxEvent(trx, {
      subject: SUBJECTS.messageCreated,
      msgId: message.id,
      conversationId,
      payload: event,
    });
    return { message, created: true };
  });
  if (result.created) wake();
  return result;
}

export async function pageMessages(
  db: Kysely<Database>,
  principal: Principal,
  conversationId: string,
  query: { limit?: number | undefined; after?: string | undefined; before?: string | undefined },
): Promise<MessagePage> {
  const conversation = await findConversation(db, conversationId, principal);
  if (!conversation) throw notFound('conversation');
  const cursorSeq = async (field: 'after' | 'before', id: string) => {
    const seq = await findMessageSeq(db, conversationId, id);
    if (seq === undefined) throw validationFailed([{ path: field, message: 'names no message of this conversation' }]);
    return seq;
  };
  let direction: PageDirection = 'latest';
  if (query.after !== undefined) direction = { after: await cursorSeq('after', query.after) };
  else if (query.before !== undefined) direction = { before: await cursorSeq('before', query.before) };
  const { rows, hasMore } = await listMessages(db, conversationId, direction, query.limit ?? LIMITS.pageLimitDefault);
  return { data: rows.map((row) => toMessage(row, conversation)), has_more: hasMore };
}

/**
 * Moves the caller's side's read marker forward to `messageId` (never back) and, when it moved, writes a
 * `message.status` event in the same transaction; once it committed, `wake` tells the outbox relay.
 */
export async function markRead(
  db: Kysely<Database>,
  principal: Principal,
  conversationId: string,
  messageId: string,
  wake: OutboxWake = notifyEach(db),
): Promise<void> {
  const moved = await db.transaction().execute(async (trx) => {
    const conversation = await lockConversation(trx, conversationId, principal);
    if (!conversation) throw notFound('conversation');
    const seq = await findMessageSeq(trx, conversationId, messageId);
    if (seq === undefined) {
      throw validationFailed([{ path: 'last_read_message_id', message: 'names no message of this conversation' }]);
    }
    const reader = sideOf(principal);
    if (!(await advanceReadMarker(trx, conversationId, reader, seq))) return false;
    const event: MessageStatusEvent = {
      app_id: conversation.app_id,
      conversation_id: conversationId,
      message_id: messageId,
      status: 'read',
      reader,
    };
    await enqueueOutboxEvent(trx, {
      subject: SUBJECTS.messageStatus,
      msgId: `read.${conversationId}.${reader}.${seq}`,
      conversationId,
      payload: event,
    });
    return true;
  });
  if (moved) wake();
}
