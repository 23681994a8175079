import { sql, type Kysely } from 'kysely';
import type { ConversationRow, Database } from '../db/schema.js';
import type { Principal } from '../domain/principal.js';

/** Restricts a query to what the principal may see: the app's conversations, and for a client its device's. */
function visibleTo<QB extends { where: (...args: any[]) => QB }>(qb: QB, principal: Principal): QB {
  const scoped = qb.where('app_id', '=', principal.appId);
  return principal.kind === 'client' ? scoped.where('device_id', '=', principal.deviceId) : scoped;
}

export async function insertConversation(
  db: Kysely<Database>,
  values: { id: string; app_id: string; device_id: string },
): Promise<ConversationRow> {
  return db.insertInto('conversations').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function findConversation(
  db: Kysely<Database>,
  id: string,
  principal: Principal,
): Promise<ConversationRow | undefined> {
  return visibleTo(db.selectFrom('conversations').selectAll().where('id', '=', id), principal).executeTakeFirst();
}

/**
 * Reads the conversation and locks its row until the transaction ends. Every write that allocates a `seq` or moves
 * a read marker takes this lock first, so they commit one after another in `seq` order.
 */
export async function lockConversation(
  trx: Kysely<Database>,
  id: string,
  principal: Principal,
): Promise<ConversationRow | undefined> {
  return visibleTo(trx.selectFrom('conversations').selectAll().where('id', '=', id), principal)
    .forUpdate()
    .executeTakeFirst();
}

/** Records a new message on its (locked) conversation. */
export async function recordMessage(
  trx: Kysely<Database>,
  id: string,
  message: { id: string; seq: number },
): Promise<void> {
  await trx
    .updateTable('conversations')
    .set({
      last_seq: message.seq,
      last_message_id: message.id,
      updated_at: sql<Date>`now()`,
      activity: sql<string>`nextval('conversation_activity_seq')`,
    })
    .where('id', '=', id)
    .execute();
}

/** Moves one side's read marker forward to `seq`; returns whether it moved (never moves back). */
export async function advanceReadMarker(
  trx: Kysely<Database>,
  id: string,
  side: 'user' | 'agent',
  seq: number,
): Promise<boolean> {
  const column = side === 'user' ? 'user_read_seq' : 'agent_read_seq';
  const result = await trx
    .updateTable('conversations')
    .set({ [column]: seq })
    .where('id', '=', id)
    .where(column, '<', seq)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Newest activity first; `beforeActivity` continues a previous page. Fetches one extra row to tell if more exist. */
export async function listConversations(
  db: Kysely<Database>,
  principal: Principal,
  limit: number,
  beforeActivity: string | undefined,
): Promise<ConversationRow[]> {
  let qb = visibleTo(db.selectFrom('conversations').selectAll(), principal);
  if (beforeActivity !== undefined) qb = qb.where('activity', '<', beforeActivity);
  return qb.orderBy('activity', 'desc').limit(limit).execute();
}

/** The conversation with the latest activity that the principal sees (a device's current conversation). */
export async function latestConversation(db: Kysely<Database>, principal: Principal): Promise<ConversationRow | undefined> {
  return visibleTo(db.selectFrom('conversations').selectAll(), principal).orderBy('activity', 'desc').limit(1).executeTakeFirst();
}
