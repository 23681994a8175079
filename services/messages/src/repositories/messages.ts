import type { Kysely } from 'kysely';
import type { Database, MessageRow } from '../db/schema.js';

/** The `seq` of message `id` in this conversation, or `undefined` when it names no message of it. */
export async function findMessageSeq(
  db: Kysely<Database>,
  conversationId: string,
  id: string,
): Promise<number | undefined> {
  const row = await db
    .selectFrom('messages')
    .select('seq')
    .where('id', '=', id)
    .where('conversation_id', '=', conversationId)
    .executeTakeFirst();
  return row?.seq;
}

export type PageDirection = { after: number } | { before: number } | 'latest';

/**
 * Up to `limit` messages in ascending `seq`, plus whether more exist in the paging direction.
 * `after`: strictly after that seq; `before`: the `limit` just before it; `latest`: the newest `limit`.
 */
export async function listMessages(
  db: Kysely<Database>,
  conversationId: string,
  direction: PageDirection,
  limit: number,
): Promise<{ rows: MessageRow[]; hasMore: boolean }> {
  const base = db.selectFrom('messages').selectAll().where('conversation_id', '=', conversationId);
  if (typeof direction === 'object' && 'after' in direction) {
    const rows = await base.where('seq', '>', direction.after).orderBy('seq', 'asc').limit(limit + 1).execute();
    return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
  }
  const scoped = typeof direction === 'object' ? base.where('seq', '<', direction.before) : base;
  const rows = await scoped.orderBy('seq', 'desc').limit(limit + 1).execute();
  return { rows: rows.slice(0, limit).reverse(), hasMore: rows.length > limit };
}
