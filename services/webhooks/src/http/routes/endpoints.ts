import type Router from '@koa/router';
import type { Kysely } from 'kysely';
import { CreateWebhookRequest, WEBHOOK_PATHS, WebhookParams } from '@switchboard/protocol';
import { appIdParam, notFound, requireOperator, validate, type RouteContext, type ServiceRequestState } from '@switchboard/service-kit';
import type { WebhooksDatabase } from '../../db/schema.js';
import { createEndpoint, listAppEndpoints, removeEndpoint } from '../../use-cases/endpoints.js';

export interface EndpointsRoutesDeps {
  readonly db: Kysely<WebhooksDatabase>;
  readonly operatorToken: string | undefined;
  /** `WEBHOOKS_ALLOW_INSECURE`: `http://` endpoints accepted. */
  readonly allowInsecure: boolean;
}

/** The operator routes of an app's endpoints: create (the secret shown once), list, delete. */
export function endpointsRoutes(router: Router<ServiceRequestState>, deps: EndpointsRoutesDeps): void {
  const operator = requireOperator(deps.operatorToken);

  router.post(WEBHOOK_PATHS.webhooks, operator, async (ctx) => {
    const appId = appIdParam(ctx);
    const request = validate(CreateWebhookRequest, ctx.state.body, 'body');
    const created = await createEndpoint(deps.db, appId, request, { allowInsecure: deps.allowInsecure });
    // The URL's host only: its path or query may carry a token of the receiver's.
    ctx.state.log.info({ endpoint_id: created.id, host: new URL(created.url).host, events: created.events }, 'webhook endpoint created');
    ctx.status = 201;
    ctx.body = created;
  });

  router.get(WEBHOOK_PATHS.webhooks, operator, async (ctx) => {
    ctx.body = { data: await listAppEndpoints(deps.db, appIdParam(ctx)) };
  });

  router.delete(WEBHOOK_PATHS.webhook, operator, async (ctx) => {
    const { app_id, id } = endpointParams(ctx);
    await removeEndpoint(deps.db, app_id, id);
    ctx.state.log.info({ endpoint_id: id }, 'webhook endpoint deleted');
    ctx.status = 204;
  });
}

/** `:app_id` and the endpoint's `:id`; a malformed one names nothing: 404. */
export function endpointParams(ctx: RouteContext): { app_id: string; id: string } {
  const parsed = WebhookParams.safeParse({ app_id: ctx.params.app_id, id: ctx.params.id });
  if (!parsed.success) throw notFound('webhook endpoint');
  ctx.state.bindLog({ app_id: parsed.data.app_id });
  return parsed.data;
}
