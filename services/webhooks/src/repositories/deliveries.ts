import { sql, type Kysely } from 'kysely';
import type { WebhookDeliveryStatus, WebhookEventType } from '@switchboard/protocol';
import type { WebhooksDatabase } from '../db/schema.js';

export interface DeliveryListRow {
  readonly id: string;
  readonly event_id: string;
  readonly type: WebhookEventType;
  readonly status: WebhookDeliveryStatus;
  readonly attempts: number;
  readonly last_status_code: number | null;
  readonly last_error: string | null;
  readonly next_attempt_at: Date | null;
  readonly created_at: Date;
}

export interface DeliveryPageQuery {
  readonly endpointId: string;
  readonly status: WebhookDeliveryStatus | undefined;
  /** The last delivery of the previous page: this page starts after it (newest first). */
  readonly afterId: string | undefined;
  readonly limit: number;
}

/**
 * One page of an endpoint's delivery log, newest first, by keyset on `(created_at, id)` (the indexes
 * `deliveries_endpoint_page` and `deliveries_endpoint_status_page`). The position is read from the cursor's row, so
 * the database's microsecond times are compared as they are stored. `undefined` when that row no longer exists.
 */
export async function listDeliveries(db: Kysely<WebhooksDatabase>, query: DeliveryPageQuery): Promise<DeliveryListRow[] | undefined> {
  let after: { created_at: Date; id: string } | undefined;
  if (query.afterId !== undefined) {
    after = await db
      .selectFrom('webhooks.deliveries')
      .select(['created_at', 'id'])
      .where('endpoint_id', '=', query.endpointId)
      .where('id', '=', query.afterId)
      .executeTakeFirst();
    if (!after) return undefined;
  }
  let select = db
    .selectFrom('webhooks.deliveries as d')
    .innerJoin('webhooks.events as e', 'e.id', 'd.event_id')
    .select(['d.id', 'd.event_id', 'e.type', 'd.status', 'd.attempts', 'd.last_status_code', 'd.last_error', 'd.next_attempt_at', 'd.created_at'])
    .where('d.endpoint_id', '=', query.endpointId);
  if (query.status) select = select.where('d.status', '=', query.status);
  if (after) {
    const position = after;
    // Compared in the database, against the stored row: a JavaScript Date would drop the microseconds.
    select = select.where(
      sql<boolean>`(d.created_at, d.id) < (SELECT created_at, id FROM webhooks.deliveries WHERE id = ${position.id})`,
    );
  }
  return select.orderBy('d.created_at', 'desc').orderBy('d.id', 'desc').limit(query.limit).execute();
}

/**
 * Makes a delivery due now (a manual retry): `pending` again, whatever it was, with its attempts kept, and marked
 * `manual_retry` so the engine sends it even when its endpoint is disabled (a 2xx enables the endpoint again).
 * Whether the delivery exists for that endpoint.
 */
export async function retryDeliveryNow(db: Kysely<WebhooksDatabase>, endpointId: string, deliveryId: string): Promise<boolean> {
  const result = await db
    .updateTable('webhooks.deliveries')
    .set({ status: 'pending', next_attempt_at: sql<Date>`now()`, delivered_at: null, manual_retry: true })
    .where('endpoint_id', '=', endpointId)
    .where('id', '=', deliveryId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
