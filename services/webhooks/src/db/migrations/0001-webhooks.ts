import { sql, type Kysely } from 'kysely';

/**
 * The webhooks service's own schema, `webhooks`: the endpoints apps register, the events taken from JetStream, and
 * one delivery per (endpoint, event). The messages service never reads or writes it.
 *
 * - `endpoints.secret` is the signing key (`whsec_` + base64), kept as given because every delivery is signed with
 *   it (a hash could not sign); it is returned only by the create call and never logged.
 * - `events` holds each event once (its id is the outbox's `msg_id`, the `Nats-Msg-Id` on JetStream), so the body of
 *   every retry, to every endpoint, is the same event; `deliveries` is unique on `(endpoint_id, event_id)`, so a
 *   JetStream redelivery (after a crash before the ack) records nothing twice.
 * - A delivery is `pending` until a 2xx (`delivered`) or its last try (`failed`); `next_attempt_at` is when it is
 *   due, `claimed_until` the lease of the replica whose attempt is in flight (a crashed replica's lease runs out and
 *   another takes the delivery).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS webhooks`.execute(db);
  const schema = db.schema.withSchema('webhooks');

  await schema
    .createTable('endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', sql`text[]`, (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('disabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('failing_since', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await schema.createIndex('endpoints_app').on('endpoints').columns(['app_id', 'created_at', 'id']).execute();

  await schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('app_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) =>
      c.notNull().check(sql`type in ('message.created', 'message.status', 'conversation.updated')`),
    )
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await schema
    .createTable('deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhooks.endpoints.id').onDelete('cascade'))
    .addColumn('event_id', 'text', (c) => c.notNull().references('webhooks.events.id'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'delivered', 'failed')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('next_attempt_at', 'timestamptz')
    .addColumn('claimed_until', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('delivered_at', 'timestamptz')
    .addUniqueConstraint('deliveries_endpoint_event', ['endpoint_id', 'event_id'])
    .execute();
  await sql`CREATE INDEX deliveries_due ON webhooks.deliveries (next_attempt_at) WHERE status = 'pending'`.execute(db);
  await schema
    .createIndex('deliveries_endpoint_page')
    .on('deliveries')
    .columns(['endpoint_id', 'created_at desc', 'id desc'])
    .execute();
  await schema
    .createIndex('deliveries_endpoint_status_page')
    .on('deliveries')
    .columns(['endpoint_id', 'status', 'created_at desc', 'id desc'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS webhooks CASCADE`.execute(db);
}
