import Koa from 'koa';
import Router from '@koa/router';
import type { Kysely } from 'kysely';
import { LIMITS } from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import type { HttpDurationHistogram, Registry } from '@switchboard/metrics';
import {
  AppError,
  errorMiddleware,
  healthRoutes,
  jsonBody,
  PROBE_PATHS,
  requestContext,
  type Readiness,
  type ServiceRequestState,
} from '@switchboard/service-kit';
import type { WebhooksDatabase } from '../db/schema.js';
import { deliveriesRoutes } from './routes/deliveries.js';
import { endpointsRoutes } from './routes/endpoints.js';

export interface WebhooksAppDeps {
  readonly db: Kysely<WebhooksDatabase>;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly http: HttpDurationHistogram;
  readonly readiness: () => Promise<Readiness>;
  /** False while the database is not migrated yet: every route but the probes answers 503 `UNAVAILABLE`. */
  readonly accepting: () => boolean;
  readonly operatorToken: string | undefined;
  readonly allowInsecure: boolean;
  /** Wakes the delivery engine after a manual retry. */
  readonly wake: () => void;
}

/** The Koa application: the shared middleware in order (errors first), the probes and the operator routes. */
export function createWebhooksApp(deps: WebhooksAppDeps): Koa<ServiceRequestState> {
  const app = new Koa<ServiceRequestState>({ proxy: true });
  const router = new Router<ServiceRequestState>();
  healthRoutes(router, { readiness: deps.readiness, registry: deps.registry });
  endpointsRoutes(router, { db: deps.db, operatorToken: deps.operatorToken, allowInsecure: deps.allowInsecure });
  deliveriesRoutes(router, { db: deps.db, operatorToken: deps.operatorToken, wake: deps.wake });

  app.use(requestContext(deps.logger, deps.http));
  app.use(errorMiddleware());
  app.use((ctx, next) => {
    if (!deps.accepting() && !PROBE_PATHS.has(ctx.path)) throw new AppError('UNAVAILABLE', 'the service is starting, retry later');
    return next();
  });
  app.use(jsonBody({ limitBytes: LIMITS.requestBodyMaxBytes }));
  app.use(router.routes());
  // A known path asked with another method: 405 with `Allow` (rendered by errorMiddleware).
  app.use(router.allowedMethods());
  // Errors are rendered by errorMiddleware; Koa's own handler would only print them again.
  app.silent = true;
  return app;
}
