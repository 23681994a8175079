import type Router from '@koa/router';
import type { Kysely } from 'kysely';
import { CreateAppRequest, REST_PATHS, RotateCredentialsRequest, UpdateAppRequest } from '@switchboard/protocol';
import type { Database } from '../../db/schema.js';
import type { OutboxWake } from '../../repositories/outbox.js';
import { createApp, updateAppPolicy } from '../../use-cases/apps.js';
import { rotateCredentials } from '../../use-cases/rotate-credentials.js';
import type { RequestState } from '../context.js';
import { appIdParam, requireOperator, validate } from '@switchboard/service-kit';

export interface AppsRoutesDeps {
  readonly db: Kysely<Database>;
  readonly operatorToken: string | undefined;
  /** Told after an app's policy or keys changed, so that this replica's caches drop it at once. */
  readonly onAppChanged: (appId: string) => void;
  /** Wakes the outbox relay after a change that enqueued events (a rotation's revocations). */
  readonly wakeRelay: OutboxWake;
}

/** The operator API: creating apps, setting their identity policy, rotating their credentials. */
export function appsRoutes(router: Router<RequestState>, deps: AppsRoutesDeps): void {
  const operator = requireOperator<RequestState>(deps.operatorToken);
  router.post(REST_PATHS.apps, operator, async (ctx) => {
    const { name } = validate(CreateAppRequest, ctx.state.body, 'body');
    const app = await createApp(deps.db, name);
    ctx.state.log.info({ app_id: app.id }, 'app created');
    ctx.status = 201;
    ctx.body = app;
  });

  router.patch(REST_PATHS.app, operator, async (ctx) => {
    const appId = appIdParam(ctx);
    const update = validate(UpdateAppRequest, ctx.state.body, 'body');
    const app = await updateAppPolicy(deps.db, appId, update);
    deps.onAppChanged(appId);
    ctx.state.log.info({ identity: app.identity }, 'app identity policy set');
    ctx.body = app;
  });

  router.post(REST_PATHS.rotateCredentials, operator, async (ctx) => {
    const appId = appIdParam(ctx);
    const request = validate(RotateCredentialsRequest, ctx.state.body ?? {}, 'body');
    const rotated = await rotateCredentials(deps.db, appId, request);
    deps.onAppChanged(appId);
    deps.wakeRelay();
    ctx.state.log.info({ which: request.which, grace_seconds: request.grace_seconds, previous_valid_until: rotated.previous_valid_until }, 'app credential rotated');
    ctx.status = 201;
    ctx.body = rotated;
  });
}
