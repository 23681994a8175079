import type { Kysely } from 'kysely';
import { LIMITS, type ListWebhookDeliveriesQuery, type WebhookDelivery, type WebhookDeliveryPage } from '@switchboard/protocol';
import { notFound, validationFailed } from '@switchboard/service-kit';
import type { WebhooksDatabase } from '../db/schema.js';
import { listDeliveries, retryDeliveryNow, type DeliveryListRow } from '../repositories/deliveries.js';
import { findEndpoint } from '../repositories/endpoints.js';

/** Deliveries per page when the query names no `limit`. */
const DEFAULT_PAGE_LIMIT = 50;

/** An opaque cursor: the last delivery of a page, encoded (callers pass it back as it is). */
const encodeCursor = (deliveryId: string) => Buffer.from(deliveryId, 'utf8').toString('base64url');
const decodeCursor = (cursor: string): string | undefined => {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^[A-Za-z0-9_-]{1,64}$/.test(id) && encodeCursor(id) === cursor ? id : undefined;
};
const badCursor = () => validationFailed([{ path: 'cursor', message: 'must be a next_cursor this endpoint returned' }], 'query');

/**
 * One page of an endpoint's delivery log, newest first, optionally of one status; `next_cursor` is `null` on the
 * last page. An unknown app or endpoint is a 404; a cursor that is not one of this endpoint's is a 400.
 */
export async function deliveryPage(
  db: Kysely<WebhooksDatabase>,
  appId: string,
  endpointId: string,
  query: ListWebhookDeliveriesQuery,
): Promise<WebhookDeliveryPage> {
  if (!(await findEndpoint(db, appId, endpointId))) throw notFound('webhook endpoint');
  const afterId = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  if (query.cursor !== undefined && afterId === undefined) throw badCursor();
  const limit = Math.min(query.limit ?? DEFAULT_PAGE_LIMIT, LIMITS.pageLimitMax);
  // One more than asked: whether a next page exists, without a count.
  const rows = await listDeliveries(db, { endpointId, status: query.status, afterId, limit: limit + 1 });
  if (!rows) throw badCursor();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { data: page.map(toWebhookDelivery), next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}

/** Makes the delivery due now; the caller wakes the engine. An unknown endpoint or delivery is a 404. */
export async function retryDelivery(db: Kysely<WebhooksDatabase>, appId: string, endpointId: string, deliveryId: string): Promise<void> {
  if (!(await findEndpoint(db, appId, endpointId))) throw notFound('webhook endpoint');
  if (!(await retryDeliveryNow(db, endpointId, deliveryId))) throw notFound('delivery');
}

export function toWebhookDelivery(row: DeliveryListRow): WebhookDelivery {
  return {
    id: row.id,
    event_id: row.event_id,
    type: row.type,
    status: row.status,
    attempts: row.attempts,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    next_attempt_at: row.next_attempt_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}
