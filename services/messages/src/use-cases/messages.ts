import type { Kysely } from 'kysely';
import {
  LIMITS,
  SUBJECTS,
  type Message,
  type MessageCreatedEvent,
  type MessagePage,
  type MessageStatusEvent,
} from '@switchboard/protocol';
import type { Database, MessageRow } from '../db/schema.js';
import { AppError, notFound, validationFailed } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { toMessage } from '../domain/mappers.js';
import type { Principal } from '@switchboard/protocol';
import { senderOf, sideOf } from '../domain/principal.js';
import { advanceReadMarker, findConversation, isVisibleTo, lockConversations } from '../repositories/conversations.js';
import { conversationUpdatedEvent } from '../domain/conversation-events.js';
import { findMessageSeq, listMessages, type PageDirection } from '../repositories/messages.js';
import {
  findStoredByLocalIds,
  lockSendTargets,
  writeSendBatch,
  type LatestMessages,
  type NewMessage,
} from '../repositories/send-batch.js';
import { enqueueOutboxEvents, notifyEach, type OutboxEvent, type OutboxWake } from '../repositories/outbox.js';

export interface SendResult {
  readonly message: Message;
  /** False when `local_id` was already used in this conversation: `message` is the first one, unchanged. */
  readonly created: boolean;
}

export interface SendRequest {
  readonly principal: Principal;
  readonly conversationId: string;
  readonly body: string;
  readonly local_id: string;
}

/** Stores one message: `sendMessages` with one request (tests, CLIs; the service batches, see send-batcher.ts). */
export async function sendMessage(
  db: Kysely<Database>,
  principal: Principal,
  conversationId: string,
  input: { body: string; local_id: string },
  wake: OutboxWake = notifyEach(db),
): Promise<SendResult> {
  const [outcome] = await sendMessages(db, [{ principal, conversationId, body: input.body, local_id: input.local_id }], wake);
  if (outcome instanceof AppError) throw outcome;
  return outcome!;
}

/**
 * Stores messages once per `(conversation, local_id)`, all in one transaction of three statements whatever their
 * number (`repositories/send-batch.ts`; a fourth when the batch reopens a conversation), and answers each request in order: its result, or the `AppError` that refuses it alone (a conversation
 * the caller cannot see). The order is what makes it safe under races: lock the conversations (in id order, so
 * concurrent batches never deadlock), look the `local_id`s up (found: that message, `created: false`; a second
 * request with a key the batch already stores gets the same answer), allocate `seq = last_seq + 1, + 2, …` per
 * conversation in request order, then in one statement insert, record each conversation's newest message (its time,
 * the sides' message counts, and the reopening a user's message makes), and write one `message.created` outbox event
 * per new message in `seq` order; then one `conversation.updated` per reopened conversation. Nothing in it can hit a unique violation, so no
 * retry can leave a hole in `seq`. Once it committed, `wake` tells the outbox relay.
 */
export async function sendMessages(
  db: Kysely<Database>,
  requests: readonly SendRequest[],
  wake: OutboxWake = notifyEach(db),
): Promise<Array<SendResult | AppError>> {
  let created = 0;
  const outcomes = await db.transaction().execute(async (trx) => {
    const { targets, now } = await lockSendTargets(trx, [...new Set(requests.map((r) => r.conversationId))]);
    const conversations = new Map(targets.map((row) => [row.id, row]));
    const visible = requests.map((r) => {
      const conversation = conversations.get(r.conversationId);
      return conversation && isVisibleTo(conversation, r.principal) ? conversation : undefined;
    });
    const keyOf = (conversationId: string, localId: string) => `${conversationId} ${localId}`;
    const found = await findStoredByLocalIds(
      trx,
      requests.filter((_, i) => visible[i]).map((r) => ({ conversationId: r.conversationId, localId: r.local_id })),
    );
    const stored = new Map<string, MessageRow>(found.map((row) => [keyOf(row.conversation_id, row.local_id), row]));
    const fresh: NewMessage[] = [];
    const latest = new Map<string, Omit<LatestMessages, 'conversationId'>>();
    const plan = requests.map((r, i) => {
      const conversation = visible[i];
      if (!conversation) return notFound('conversation');
      const key = keyOf(r.conversationId, r.local_id);
      if (stored.has(key)) return { conversation, key, created: false };
      const before = latest.get(r.conversationId) ?? {
        seq: conversation.last_seq,
        userCount: conversation.user_message_count,
        agentCount: conversation.agent_message_count,
        reopen: false,
      };
      const seq = before.seq + 1;
      const id = newId('msg');
      const sender = sideOf(r.principal);
      const userCount = before.userCount + (sender === 'user' ? 1 : 0);
      const agentCount = before.agentCount + (sender === 'agent' ? 1 : 0);
      // A user's message reopens a closed or snoozed conversation (CONTRACT.md, workflow); an agent's does not.
      const reopen = before.reopen || (sender === 'user' && conversation.status !== 'open');
      latest.set(r.conversationId, { seq, messageId: id, userCount, agentCount, reopen });
      const side_seq = sender === 'user' ? userCount : agentCount;
      const row: NewMessage = { id, conversation_id: r.conversationId, seq, local_id: r.local_id, body: r.body, sender, side_seq, ...senderOf(r.principal) };
      fresh.push(row);
      // A later request of the batch with the same key gets this message, `created: false`.
      stored.set(key, { ...row, created_at: now! });
      return { conversation, key, created: true };
    });

    if (fresh.length > 0) {
      const events = fresh.map((row): OutboxEvent => {
        const conversation = conversations.get(row.conversation_id)!;
        const event: MessageCreatedEvent = { ...toMessage(stored.get(keyOf(row.conversation_id, row.local_id))!, conversation), app_id: conversation.app_id };
        return { subject: SUBJECTS.messageCreated, msgId: row.id, conversationId: row.conversation_id, payload: event };
      });
      const reopened = await writeSendBatch(trx, fresh, [...latest].map(([conversationId, l]) => ({ conversationId, ...l })), events);
      // After the batch's `message.created` events, in the same transaction.
      if (reopened.length > 0) await enqueueOutboxEvents(trx, reopened.map(conversationUpdatedEvent));
      created = fresh.length;
    }
    return plan.map((p) =>
      p instanceof AppError ? p : { message: toMessage(stored.get(p.key)!, p.conversation), created: p.created },
    );
  });
  if (created > 0) wake();
  return outcomes;
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
    if (seq === undefined) throw validationFailed([{ path: field, message: 'names no message of this conversation' }], 'query');
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
    const [conversation] = await lockConversations(trx, [conversationId]);
    if (!conversation || !isVisibleTo(conversation, principal)) throw notFound('conversation');
    const seq = await findMessageSeq(trx, conversationId, messageId);
    if (seq === undefined) {
      throw validationFailed([{ path: 'last_read_message_id', message: 'names no message of this conversation' }], 'body');
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
    await enqueueOutboxEvents(trx, [
      { subject: SUBJECTS.messageStatus, msgId: `read.${conversationId}.${reader}.${seq}`, conversationId, payload: event },
    ]);
    return true;
  });
  if (moved) wake();
}
