import { sql, type Kysely } from 'kysely';
import { createTtlCache } from '@switchboard/runtime';

/** Who reads a conversation's agent messages: its device, or its signed-in user. */
export interface ConversationRecipient {
  readonly deviceId: string;
  readonly userId: string | null;
}

export interface ConversationRecipients {
  /** `undefined` when the conversation is not (or no longer) there. */
  find(conversationId: string): Promise<ConversationRecipient | undefined>;
}

/**
 * The second read-only query of the messages service's tables (the first checks that an app exists): a
 * conversation's `device_id` and `user_id`, which `message.created` does not carry and `recipient_online` needs for
 * an agent's message. Both are set when the conversation is opened and never change, so answers are cached.
 * Never a write: the messages service stays the only writer of chat data.
 */
export function createConversationRecipients(db: Kysely<any>, options: { cacheSize?: number } = {}): ConversationRecipients {
  const cache = createTtlCache<ConversationRecipient | undefined>({ ttlMs: 10 * 60_000, maxSize: options.cacheSize ?? 10_000 });
  return {
    find: (conversationId) =>
      cache.get(conversationId, async () => {
        const { rows } = await sql<{ device_id: string; user_id: string | null }>`
          SELECT device_id, user_id FROM public.conversations WHERE id = ${conversationId}`.execute(db);
        const row = rows[0];
        return row ? { deviceId: row.device_id, userId: row.user_id } : undefined;
      }),
  };
}
