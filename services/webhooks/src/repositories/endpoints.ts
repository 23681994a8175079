import { sql, type Kysely, type Selectable } from 'kysely';
import type { WebhookEventType } from '@switchboard/protocol';
import type { EndpointsTable, WebhooksDatabase } from '../db/schema.js';

export type EndpointRow = Selectable<EndpointsTable>;

export interface NewEndpoint {
  readonly id: string;
  readonly appId: string;
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  readonly secret: string;
}

/**
 * Serialises endpoint changes of one app until the transaction ends (the count and the insert of a create), so two
 * creates at once cannot both pass the per-app limit.
 */
export async function lockAppEndpoints(db: Kysely<WebhooksDatabase>, appId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('webhooks.endpoints'), hashtext(${appId}))`.execute(db);
}

export async function countEndpoints(db: Kysely<WebhooksDatabase>, appId: string): Promise<number> {
  const row = await db
    .selectFrom('webhooks.endpoints')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('app_id', '=', appId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export function insertEndpoint(db: Kysely<WebhooksDatabase>, endpoint: NewEndpoint): Promise<EndpointRow> {
  return db
    .insertInto('webhooks.endpoints')
    .values({ id: endpoint.id, app_id: endpoint.appId, url: endpoint.url, events: [...endpoint.events], secret: endpoint.secret })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The app's endpoints, oldest first. */
export function listEndpoints(db: Kysely<WebhooksDatabase>, appId: string): Promise<EndpointRow[]> {
  return db.selectFrom('webhooks.endpoints').selectAll().where('app_id', '=', appId).orderBy('created_at').orderBy('id').execute();
}

export function findEndpoint(db: Kysely<WebhooksDatabase>, appId: string, id: string): Promise<EndpointRow | undefined> {
  return db.selectFrom('webhooks.endpoints').selectAll().where('app_id', '=', appId).where('id', '=', id).executeTakeFirst();
}

/** Deletes the endpoint and its delivery log (the foreign key cascades); whether it existed. */
export async function deleteEndpoint(db: Kysely<WebhooksDatabase>, appId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webhooks.endpoints').where('app_id', '=', appId).where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
