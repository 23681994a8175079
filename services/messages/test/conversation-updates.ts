import type { Kysely } from 'kysely';
import { EVENTS_STREAM, SUBJECTS, type ConversationUpdatedEvent } from '@switchboard/protocol';
import { waitFor } from '@switchboard/testing';
import type { Database } from '../src/db/schema.js';
import { readStream, type MessagesHarness, type StreamEntry } from './harness.js';

export interface ConversationUpdate {
  /** The outbox row's `msg_id`, which is the `Nats-Msg-Id` once published. */
  readonly msgId: string;
  readonly subject: string;
  readonly payload: ConversationUpdatedEvent;
}

/**
 * Every `conversation.updated` event written for a conversation, oldest first: those still in the outbox and those
 * the relay already moved to `EVENTS`. Read after the write's answer, so each is in one place or the other; the relay
 * may publish a row between the two reads, and the same `msg_id` seen in both places is one event.
 */
export async function conversationUpdates(h: MessagesHarness, conversationId: string): Promise<ConversationUpdate[]> {
  const rows = await h.db
    .selectFrom('outbox')
    .select(['msg_id', 'subject', 'payload'])
    .where('conversation_id', '=', conversationId)
    .where('subject', '=', SUBJECTS.conversationUpdated)
    .orderBy('id')
    .execute();
  const published = (await readEvents(h.nats.url))
    .filter((e) => e.subject === SUBJECTS.conversationUpdated && e.data.conversation?.id === conversationId)
    .map((e): ConversationUpdate => ({ msgId: e.msgId ?? '', subject: e.subject, payload: e.data }));
  const pending = rows.map((row): ConversationUpdate => ({ msgId: row.msg_id, subject: row.subject, payload: row.payload as ConversationUpdatedEvent }));
  const seen = new Set(published.map((e) => e.msgId));
  return [...published, ...pending.filter((e) => !seen.has(e.msgId))];
}

/**
 * The `conversation.updated` events of many conversations as published on `EVENTS`, by conversation, once the
 * outbox holds none of theirs any more (the relay published every one written so far): one read of the stream.
 */
export async function publishedUpdates(
  db: Kysely<Database>,
  natsUrl: string,
  ids: readonly string[],
  timeoutMs = 10_000,
): Promise<Map<string, StreamEntry[]>> {
  await waitFor(
    async () => {
      const left = await db
        .selectFrom('outbox')
        .select('id')
        .where('subject', '=', SUBJECTS.conversationUpdated)
        .where('conversation_id', 'in', ids)
        .execute();
      return left.length === 0;
    },
    { message: 'conversation.updated events published', timeoutMs },
  );
  const byConversation = new Map<string, StreamEntry[]>(ids.map((id) => [id, []]));
  for (const entry of await readEvents(natsUrl)) {
    const id: string | undefined = entry.data?.conversation?.id;
    if (entry.subject === SUBJECTS.conversationUpdated && id !== undefined) byConversation.get(id)?.push(entry);
  }
  return byConversation;
}

/** The `EVENTS` stream's messages; none before the service has made the stream (it does so once NATS answers). */
async function readEvents(natsUrl: string) {
  try {
    return await readStream(natsUrl, EVENTS_STREAM.name);
  } catch (error) {
    if (error instanceof Error && /stream not found/i.test(error.message)) return [];
    throw error;
  }
}
