import type Router from '@koa/router';
import type { Kysely } from 'kysely';
import { ListWebhookDeliveriesQuery, WEBHOOK_PATHS, WebhookDeliveryParams } from '@switchboard/protocol';
import { notFound, requireOperator, validate, type ServiceRequestState } from '@switchboard/service-kit';
import type { WebhooksDatabase } from '../../db/schema.js';
import { deliveryPage, retryDelivery } from '../../use-cases/deliveries.js';
import { endpointParams } from './endpoints.js';

export interface DeliveriesRoutesDeps {
  readonly db: Kysely<WebhooksDatabase>;
  readonly operatorToken: string | undefined;
  /** Tells the delivery engine that a delivery became due now (`DeliveryEngine.wake`). */
  readonly wake: () => void;
}

/** An endpoint's delivery log (keyset pages, a status filter) and the manual retry of one delivery. */
export function deliveriesRoutes(router: Router<ServiceRequestState>, deps: DeliveriesRoutesDeps): void {
  const operator = requireOperator(deps.operatorToken);

  router.get(WEBHOOK_PATHS.deliveries, operator, async (ctx) => {
    const { app_id, id } = endpointParams(ctx);
    const query = validate(ListWebhookDeliveriesQuery, { ...ctx.query }, 'query');
    ctx.body = await deliveryPage(deps.db, app_id, id, query);
  });

  router.post(WEBHOOK_PATHS.retryDelivery, operator, async (ctx) => {
    const parsed = WebhookDeliveryParams.safeParse({ app_id: ctx.params.app_id, id: ctx.params.id, delivery_id: ctx.params.delivery_id });
    if (!parsed.success) throw notFound('delivery');
    const { app_id, id, delivery_id } = parsed.data;
    ctx.state.bindLog({ app_id });
    await retryDelivery(deps.db, app_id, id, delivery_id);
    deps.wake();
    ctx.state.log.info({ endpoint_id: id, delivery_id }, 'webhook delivery retried by the operator');
    // An empty 202 (Koa would otherwise send the word "Accepted" as a text body).
    ctx.body = null;
    ctx.status = 202;
  });
}
