import type Router from '@koa/router';
import type { Registry } from '@switchboard/metrics';
import type { RequestState } from '../context.js';

export interface HealthDeps {
  /** Resolves true while the dependencies the service cannot serve without answer. */
  readonly ready: () => Promise<boolean>;
  readonly registry: Registry;
}

/** Probes and metrics: never routed from outside (CONTRACT.md, "Public routing"). */
export function healthRoutes(router: Router<RequestState>, deps: HealthDeps): void {
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', async (ctx) => {
    const ready = await deps.ready();
    ctx.set('Cache-Control', 'no-store');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'unavailable' };
  });

  router.get('/metrics', async (ctx) => {
    ctx.set('Content-Type', deps.registry.contentType);
    ctx.body = await deps.registry.metrics();
  });
}
