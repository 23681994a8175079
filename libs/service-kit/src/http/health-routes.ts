import type Router from '@koa/router';
import type { Registry } from '@switchboard/metrics';
import type { ServiceRequestState } from './context.js';

/** `/readyz`'s answer (CONTRACT.md, second release, "Operations"). */
export interface Readiness {
  readonly status: 'ready' | 'unready';
  /** `postgres`, `nats`, `redis` (when configured): `ok` | `down`; `self`: `ok` | `draining`. */
  readonly checks: Readonly<Record<string, 'ok' | 'down' | 'draining'>>;
}

/**
 * `/readyz`'s answer from what the service knows: ready while it is prepared (its database migrated), not draining,
 * and every required dependency answers.
 */
export function readinessOf(status: { checks(): Record<string, 'ok' | 'down'>; requiredUp(): boolean }, state: { prepared: boolean; draining: boolean }): Readiness {
  const ready = state.prepared && !state.draining && status.requiredUp();
  return { status: ready ? 'ready' : 'unready', checks: { ...status.checks(), self: state.draining ? 'draining' : 'ok' } };
}

export interface HealthDeps {
  /** Ready while the dependencies the service cannot serve without answer and it is not draining. */
  readonly readiness: () => Promise<Readiness>;
  readonly registry: Registry;
}

/** Probes and metrics: never routed from outside (CONTRACT.md, "Public routing"). */
export function healthRoutes<S extends ServiceRequestState>(router: Router<S>, deps: HealthDeps): void {
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
