import Koa from 'koa';
import { LIMITS } from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import type { HttpDurationHistogram } from '@switchboard/metrics';
import { AppError } from '../app-error.js';
import type { ServiceRequestState } from './context.js';
import { errorMiddleware } from './error-middleware.js';
import { PROBE_PATHS } from './health-routes.js';
import { jsonBody } from './json-body.js';
import { requestContext } from './request-context.js';

/** The part of a `@koa/router` Router the app mounts (its middleware's context is the router's own). */
export interface ServiceRoutes<S> {
  routes(): Koa.Middleware<S, any>;
  allowedMethods(): Koa.Middleware<S, any>;
}

export interface ServiceAppOptions<S extends ServiceRequestState> {
  /** Every route of the service, the probes included (a `@koa/router` Router). */
  readonly router: ServiceRoutes<S>;
  readonly logger: Logger;
  readonly http: HttpDurationHistogram;
  /** False while the service prepares: every path but the probes answers 503 `UNAVAILABLE`. None: always open. */
  readonly accepting?: (() => boolean) | undefined;
  /** The service's own middleware, after the start gate and before the JSON body (CORS, per-address limits). */
  readonly middleware?: readonly Koa.Middleware<S>[];
}

/**
 * The Koa application every HTTP service shares: the request context and errors first, the start gate, the
 * service's own middleware, JSON bodies, then the routes. Listening is the caller's.
 */
export function createServiceApp<S extends ServiceRequestState>(options: ServiceAppOptions<S>): Koa<S> {
  const app = new Koa<S>({ proxy: true });
  app.use(requestContext(options.logger, options.http));
  app.use(errorMiddleware());
  const accepting = options.accepting;
  if (accepting) {
    app.use((ctx, next) => {
      if (!accepting() && !PROBE_PATHS.has(ctx.path)) throw new AppError('UNAVAILABLE', 'the service is starting, retry later');
      return next();
    });
  }
  for (const middleware of options.middleware ?? []) app.use(middleware);
  app.use(jsonBody({ limitBytes: LIMITS.requestBodyMaxBytes }));
  app.use(options.router.routes());
  // A known path asked with another method: 405 with `Allow` (rendered by errorMiddleware); OPTIONS lists them.
  app.use(options.router.allowedMethods());
  // Errors are rendered by errorMiddleware; Koa's own handler would only print them again.
  app.silent = true;
  return app;
}
