import { sql, type Kysely } from 'kysely';
import type { Subject, SubjectPayloads } from '@switchboard/protocol';
import type { Database, OutboxRow } from '../db/schema.js';

/** The channel the relay LISTENs on; a write NOTIFYs it once its transaction committed (see `notifyOutbox`). */
export const OUTBOX_CHANNEL = 'switchboard_outbox';

export interface OutboxEvent<S extends Subject = Subject> {
  readonly subject: S;
  /** JetStream message id. */
  readonly msgId: string;
  /** `null` for app events (`app.credentials_revoked`). */
  readonly conversationId: string | null;
  readonly payload: SubjectPayloads[S];
}

/**
 * Writes events in the caller's transaction, next to the change they announce, in the given order (the relay
 * publishes in insertion order).
 */
export async function enqueueOutboxEvents(trx: Kysely<Database>, events: readonly OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  await trx
    .insertInto('outbox')
    .values(
      events.map((event) => ({
        subject: event.subject,
        msg_id: event.msgId,
        conversation_id: event.conversationId,
        payload: JSON.stringify(event.payload),
      })),
    )
    .execute();
}

/** Wakes the relay after a commit that wrote outbox events; the relay also polls, so a lost wake-up only delays. */
export type OutboxWake = () => void;

/**
 * Wakes every replica's relay (they LISTEN on `OUTBOX_CHANNEL`) with a NOTIFY of its own, after the write
 * committed. Never inside the write's transaction: a NOTIFY holds a database-wide lock from its commit's start to
 * its end, WAL flush included, so notifying writes commit one at a time (measured on this machine's Postgres
 * 15: 1,207 vs 3,872 commits/s with 40 writers; docs/performance.md).
 */
export async function notifyOutbox(db: Kysely<Database>): Promise<void> {
  await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`.execute(db);
}

/**
 * Coalesced wake-ups for a busy service: at most one NOTIFY in flight, and one more after it if writes committed
 * meanwhile, so a thousand writes a second cost a handful of notifications. A failed NOTIFY is logged; the relay's
 * poll picks the events up.
 */
export function createOutboxNotifier(db: Kysely<Database>, onError: (error: unknown) => void): OutboxWake {
  let inFlight = false;
  let again = false;
  const send = () => {
    inFlight = true;
    again = false;
    notifyOutbox(db)
      .catch(onError)
      .finally(() => {
        inFlight = false;
        if (again) send();
      });
  };
  return () => {
    if (inFlight) again = true;
    else send();
  };
}

/** For callers without a notifier of their own (tests, CLIs): one NOTIFY per call. */
export const notifyEach = (db: Kysely<Database>, onError: (error: unknown) => void = () => undefined): OutboxWake => () => {
  notifyOutbox(db).catch(onError);
};

/**
 * The oldest unpublished events, in insertion order. Within one conversation that is commit order, because every
 * write to a conversation holds its row lock while it inserts its event.
 */
export async function fetchOutboxBatch(db: Kysely<Database>, limit: number): Promise<OutboxRow[]> {
  return db.selectFrom('outbox').selectAll().orderBy('id', 'asc').limit(limit).execute();
}

/** An outbox row as the relay sends it: the payload as the JSON text Postgres stores. */
export type OutboxWireRow = Pick<OutboxRow, 'id' | 'subject' | 'msg_id' | 'conversation_id'> & { readonly payload: string };

/**
 * `fetchOutboxBatch` for the relay: the payload comes as Postgres's JSON text, which is sent as it is (reading it as
 * an object and writing it again cost two JSON passes per event; docs/performance.md, change 16). Postgres writes
 * `jsonb` with its own key order and spacing: the same JSON value.
 */
export async function fetchOutboxWire(db: Kysely<Database>, limit: number): Promise<OutboxWireRow[]> {
  return db
    .selectFrom('outbox')
    .select(['id', 'subject', 'msg_id', 'conversation_id', sql<string>`payload::text`.as('payload')])
    .orderBy('id', 'asc')
    .limit(limit)
    .execute();
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
