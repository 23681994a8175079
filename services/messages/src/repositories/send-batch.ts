import { CompiledQuery, type Kysely } from 'kysely';
import type { ConversationRow, Database, MessageRow } from '../db/schema.js';
import type { OutboxEvent } from './outbox.js';

/**
 * The send batch's statements, written as SQL text with numbered parameters rather than through Kysely's builder:
 * a batch of N messages makes a query tree of a few hundred frozen nodes per statement, which cost more CPU than the
 * rest of the send (docs/performance.md, change 15). The statements are the ones the builder made, narrowed to what
 * the batch reads, and the three writes go in one round trip.
 */

/** What a send needs of a conversation it writes to, read under the row lock. */
export type SendTarget = Pick<
  ConversationRow,
  'id' | 'app_id' | 'device_id' | 'user_id' | 'status' | 'last_seq' | 'user_message_count' | 'agent_message_count' | 'user_read_seq' | 'agent_read_seq'
>;

const placeholders = (from: number, count: number, cast: readonly string[] = []) => {
  let text = '(';
  for (let i = 0; i < count; i++) text += `${i > 0 ? ', ' : ''}$${from + i}${cast[i] ?? ''}`;
  return `${text})`;
};

/**
 * Locks the conversations in id order (two batches locking overlapping sets never deadlock; see
 * `lockConversations`) and reads what the batch needs of them, with the transaction's `now()`: the `created_at` the
 * batch's messages will get (a column default of `now()`, fixed for the whole transaction).
 */
export async function lockSendTargets(trx: Kysely<Database>, ids: readonly string[]): Promise<{ targets: SendTarget[]; now: Date | undefined }> {
  if (ids.length === 0) return { targets: [], now: undefined };
  const { rows } = await trx.executeQuery<SendTarget & { now: Date }>(
    CompiledQuery.raw(
      'select id, app_id, device_id, user_id, status, last_seq, user_message_count, agent_message_count, user_read_seq, agent_read_seq, ' +
        `now() as now from conversations where id in ${placeholders(1, ids.length)} order by id for update`,
      [...ids],
    ),
  );
  return { targets: rows, now: rows[0]?.now };
}

/** The messages already stored under these `(conversation, local_id)` pairs. */
export async function findStoredByLocalIds(
  trx: Kysely<Database>,
  keys: ReadonlyArray<{ conversationId: string; localId: string }>,
): Promise<MessageRow[]> {
  if (keys.length === 0) return [];
  const parameters: string[] = [];
  const tuples: string[] = [];
  for (const key of keys) {
    tuples.push(placeholders(parameters.length + 1, 2));
    parameters.push(key.conversationId, key.localId);
  }
  const { rows } = await trx.executeQuery<MessageRow>(
    CompiledQuery.raw(`select * from messages where (conversation_id, local_id) in (${tuples.join(', ')})`, parameters),
  );
  return rows;
}

/** A new message as the batch inserts it (`created_at` is the transaction's `now()`). */
export type NewMessage = Omit<MessageRow, 'created_at'>;

/** What a batch of sends changes on one conversation it wrote to. */
export interface LatestMessages {
  readonly conversationId: string;
  /** The newest message's `seq` and id. */
  readonly seq: number;
  readonly messageId: string;
  /** Each side's message count after the batch (`side_seq` of its newest). */
  readonly userCount: number;
  readonly agentCount: number;
  /** A user's message reached it while `closed` or `snoozed`: it is `open` again. */
  readonly reopen: boolean;
}

const MESSAGE_COLUMNS = 9;
const LATEST_CASTS = ['::text', '::integer', '::text', '::integer', '::integer', '::boolean'];
const OUTBOX_COLUMNS = 4;

/**
 * The batch's writes in one statement, on conversations the transaction has locked: inserts the messages, records each
 * conversation's newest message (its time, `activity`, the sides' message counts, and the reopening a user's message
 * makes), and writes the outbox events in the given order. Answers the reopened conversations as they are after it
 * (their `conversation.updated` events need them; the common batch reopens none). Postgres runs every data-modifying
 * part of a `WITH` once and to completion, whether the final `SELECT` reads it or not.
 */
export async function writeSendBatch(
  trx: Kysely<Database>,
  messages: readonly NewMessage[],
  latest: readonly LatestMessages[],
  events: readonly OutboxEvent[],
): Promise<ConversationRow[]> {
  if (messages.length === 0) return [];
  const parameters: unknown[] = [];
  const messageRows: string[] = [];
  for (const m of messages) {
    messageRows.push(placeholders(parameters.length + 1, MESSAGE_COLUMNS));
    parameters.push(m.id, m.conversation_id, m.seq, m.local_id, m.body, m.sender, m.side_seq, m.sender_id, m.sender_name);
  }
  const latestRows: string[] = [];
  for (const l of latest) {
    latestRows.push(placeholders(parameters.length + 1, LATEST_CASTS.length, LATEST_CASTS));
    parameters.push(l.conversationId, l.seq, l.messageId, l.userCount, l.agentCount, l.reopen);
  }
  const outboxRows: string[] = [];
  for (const e of events) {
    outboxRows.push(placeholders(parameters.length + 1, OUTBOX_COLUMNS));
    parameters.push(e.subject, e.msgId, e.conversationId, JSON.stringify(e.payload));
  }
  const outbox =
    outboxRows.length === 0 ? '' : `, queued as (insert into outbox (subject, msg_id, conversation_id, payload) values ${outboxRows.join(', ')})`;
  const { rows } = await trx.executeQuery<ConversationRow & { reopened: boolean }>(
    CompiledQuery.raw(
      `with inserted as (insert into messages (id, conversation_id, seq, local_id, body, sender, side_seq, sender_id, sender_name) values ${messageRows.join(', ')}), ` +
        'updated as (update conversations as c set last_seq = v.seq, last_message_id = v.message_id, updated_at = now(), last_message_at = now(), ' +
        "activity = nextval('conversation_activity_seq'), user_message_count = v.user_count, agent_message_count = v.agent_count, " +
        "status = case when v.reopen then 'open' else c.status end, snoozed_until = case when v.reopen then null else c.snoozed_until end " +
        `from (values ${latestRows.join(', ')}) as v(id, seq, message_id, user_count, agent_count, reopen) ` +
        `where c.id = v.id returning c.*, v.reopen as reopened)${outbox} ` +
        'select * from updated where reopened',
      parameters,
    ),
  );
  return rows.map(({ reopened: _, ...row }) => row);
}
