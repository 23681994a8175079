import { sql, type Kysely } from 'kysely';

/**
 * `deliveries.manual_retry`: set by the operator's retry (`POST …/deliveries/:id/retry`), cleared by the attempt it
 * asked for. A disabled endpoint's deliveries are never claimed, except one marked so: the contract's "sends it
 * again now" holds on a disabled endpoint too, and its 2xx enables the endpoint again.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE webhooks.deliveries ADD COLUMN manual_retry boolean NOT NULL DEFAULT false`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE webhooks.deliveries DROP COLUMN manual_retry`.execute(db);
}
