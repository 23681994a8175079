import type Router from '@koa/router';
import type { Kysely } from 'kysely';
import { CreateAppRequest, REST_PATHS } from '@switchboard/protocol';
import type { Database } from '../../db/schema.js';
import { secretsEqual } from '../../domain/secrets.js';
import { createApp } from '../../use-cases/apps.js';
import { requireOperator } from '../auth.js';
import type { RequestState } from '../context.js';
import { validate } from '../validate.js';

export interface AppsRoutesDeps {
  readonly db: Kysely<Database>;
  readonly operatorToken: string | undefined;
}

/** The operator API: creating apps. */
export function appsRoutes(router: Router<RequestState>, deps: AppsRoutesDeps): void {
  router.post(REST_PATHS.apps, requireOperator(deps.operatorToken, secretsEqual), async (ctx) => {
    const { name } = validate(CreateAppRequest, ctx.state.body, 'body');
    const app = await createApp(deps.db, name);
    ctx.state.log.info({ app_id: app.id }, 'app created');
    ctx.status = 201;
    ctx.body = app;
  });
}
