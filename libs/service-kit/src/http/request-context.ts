import { randomUUID } from 'node:crypto';
import type { Logger } from '@switchboard/logger';
import type { HttpDurationHistogram } from '@switchboard/metrics';
import { REQUEST_ID_HEADER } from '@switchboard/protocol';
import type { AppContext, Next } from './context.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives each request an id (the caller's `X-Request-Id` when it is sane), a child logger carrying it (made on
 * first use: a pino child costs microseconds, and most requests never log), and times it into the HTTP histogram
 * labelled by the route template @koa/router matched, never by the concrete path.
 */
export function requestContext(logger: Logger, histogram: HttpDurationHistogram) {
  const debug = logger.isLevelEnabled('debug');
  return async (ctx: AppContext, next: Next) => {
    const started = process.hrtime.bigint();
    const given = ctx.get(REQUEST_ID_HEADER);
    const requestId = REQUEST_ID.test(given) ? given : randomUUID();
    const fields: Record<string, string> = { request_id: requestId };
    let log: Logger | undefined;
    Object.defineProperties(ctx.state, {
      requestId: { value: requestId, enumerable: true },
      log: { get: () => (log ??= logger.child(fields)), enumerable: true },
      debug: { value: debug, enumerable: true },
      bindLog: {
        value: (more: Readonly<Record<string, string>>) => {
          if (log) log = log.child(more);
          else Object.assign(fields, more);
        },
      },
    });
    ctx.set(REQUEST_ID_HEADER, requestId);
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const matched = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
      const route = typeof matched === 'string' ? matched : 'unmatched';
      histogram.observe({ method: ctx.method, route, status: String(ctx.status) }, seconds);
      if (debug) ctx.state.log.debug({ method: ctx.method, route, status: ctx.status, ms: Math.round(seconds * 1000) }, 'request');
    }
  };
}
