import { sql, type Kysely } from 'kysely';
import type { Subject, SubjectPayloads } from '@switchboard/protocol';
import type { Database, OutboxRow } from '../db/schema.js';

/** The channel the relay LISTENs on; a write NOTIFYs it inside its transaction, so the wake-up comes at commit. */
export const OUTBOX_CHANNEL = 'switchboard_outbox';

export interface OutboxEvent<S extends Subject = Subject> {
  readonly subject: S;
  /** JetStream message id. */
  readonly msgId: string;
  readonly conversationId: string;
  readonly payload: SubjectPayloads[S];
}

/** Writes the event in the caller's transaction, next to the change it announces. */
export async function enqueueOutboxEvent(trx: Kysely<Database>, event: OutboxEvent): Promise<void> {
  await trx
    .insertInto('outbox')
    .values({
      subject: event.subject,
      msg_id: event.msgId,
      conversation_id: event.conversationId,
      payload: JSON.stringify(event.payload),
    })
    .execute();
  await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`.execute(trx);
}

/**
 * The oldest unpublished events, in insertion order. Within one conversation that is commit order, because every
 * write to a conversation holds its row lock while it inserts its event.
 */
export async function fetchOutboxBatch(db: Kysely<Database>, limit: number): Promise<OutboxRow[]> {
  return db.selectFrom('outbox').selectAll().orderBy('id', 'asc').limit(limit).execute();
}

/** Removes published events: a row leaves the outbox only after JetStream acknowledged it. */
export async function deleteOutboxEvents(db: Kysely<Database>, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom('outbox').where('id', 'in', ids).execute();
}

export async function outboxBacklog(db: Kysely<Database>): Promise<{ count: number; oldestAgeSeconds: number }> {
  const row = await db
    .selectFrom('outbox')
    .select([
      sql<string>`count(*)`.as('count'),
      sql<number | null>`extract(epoch from now() - min(created_at))::float8`.as('age'),
    ])
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), oldestAgeSeconds: row.age ?? 0 };
}
