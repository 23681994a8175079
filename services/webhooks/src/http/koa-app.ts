import type Koa from 'koa';
import Router from '@koa/router';
import type { Kysely } from 'kysely';
import type { Logger } from '@switchboard/logger';
import type { HttpDurationHistogram, Registry } from '@switchboard/metrics';
import { createServiceApp, healthRoutes, type Readiness, type ServiceRequestState } from '@switchboard/service-kit';
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
  const router = new Router<ServiceRequestState>();
  healthRoutes(router, { readiness: deps.readiness, registry: deps.registry });
  endpointsRoutes(router, { db: deps.db, operatorToken: deps.operatorToken, allowInsecure: deps.allowInsecure });
  deliveriesRoutes(router, { db: deps.db, operatorToken: deps.operatorToken, wake: deps.wake });

  return createServiceApp({ router, logger: deps.logger, http: deps.http, accepting: deps.accepting });
}
