import { randomUUID } from 'node:crypto';
import type { Logger } from '@switchboard/logger';
import type { HttpDurationHistogram } from '@switchboard/metrics';
import type { AppContext, Next } from './context.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives each request an id (the caller's `X-Request-Id` when it is sane), a child logger carrying it, and times
 * it into the HTTP histogram labelled by the route template @koa/router matched, never by the concrete path.
 */
export function requestContext(logger: Logger, histogram: HttpDurationHistogram) {
  return async (ctx: AppContext, next: Next) => {
    const started = process.hrtime.bigint();
    const given = ctx.get('X-Request-Id');
    const requestId = REQUEST_ID.test(given) ? given : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = logger.child({ request_id: requestId });
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const matched = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
      const route = typeof matched === 'string' ? matched : 'unmatched';
      histogram.observe({ method: ctx.method, route, status: String(ctx.status) }, seconds);
      ctx.state.log.debug({ method: ctx.method, route, status: ctx.status, ms: Math.round(seconds * 1000) }, 'request');
    }
  };
}
