import type Router from '@koa/router';
import type { Registry } from '@switchboard/metrics';
import type { RequestState } from '../context.js';

/** `/readyz`'s answer (CONTRACT.md, second release, "Operations"). */
export interface Readiness {
  readonly status: 'ready' | 'unready';
  /** `postgres`, `nats`, `redis` (when configured): `ok` | `down`; `self`: `ok` | `draining`. */
  readonly checks: Readonly<Record<string, 'ok' | 'down' | 'draining'>>;
}

export interface HealthDeps {
  /** Ready while the dependencies the service cannot serve without answer and it is not draining. */
  readonly readiness: () => Promise<Readiness>;
  readonly registry: Registry;
}

/** Probes and metrics: never routed from outside (CONTRACT.md, "Public routing"). */
export function healthRoutes(router: Router<RequestState>, deps: HealthDeps): void {
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', async (ctx) => {
    const readiness = await deps.readiness();
    ctx.set('Cache-Control', 'no-store');
    ctx.status = readiness.status === 'ready' ? 200 : 503;
    ctx.body = readiness;
  });

  router.get('/metrics', async (ctx) => {
    ctx.set('Content-Type', deps.registry.contentType);
    ctx.body = await deps.registry.metrics();
  });
}

/** The paths served before the database is ready (everything else answers 503 `UNAVAILABLE` until then). */
export const PROBE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json']);
