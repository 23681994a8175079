import { randomUUID } from 'node:crypto';
import type { Logger } from '@switchboard/logger';
import type { HttpDurationHistogram } from '@switchboard/metrics';
import { REQUEST_ID_HEADER } from '@switchboard/protocol';
import type { AppContext, Next, ServiceRequestState } from './context.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A request's state: its id, and its child logger made on first use (a pino child costs microseconds, and most
 * requests never log). A class, so each request allocates one object with fixed fields and shares the accessors
 * (per-request `Object.defineProperties` cost more than the rest of this middleware; docs/performance.md, change 16).
 */
class RequestStateRecord implements ServiceRequestState {
  /** The slot a service's auth middleware fills with its caller: declared here so every state has one shape. */
  principal?: unknown;
  body?: unknown;
  #log: Logger | undefined;
  readonly #fields: Record<string, string>;
  readonly #root: Logger;
  constructor(
    readonly requestId: string,
    readonly debug: boolean,
    root: Logger,
  ) {
    this.#fields = { request_id: requestId };
    this.#root = root;
  }
  get log(): Logger {
    return (this.#log ??= this.#root.child(this.#fields));
  }
  bindLog(more: Readonly<Record<string, string>>): void {
    if (this.#log) this.#log = this.#log.child(more);
    else Object.assign(this.#fields, more);
  }
}

/**
 * Gives each request an id (the caller's `X-Request-Id` when it is sane), a child logger carrying it (see
 * `RequestStateRecord`), and times it into the HTTP histogram labelled by the route template @koa/router matched,
 * never by the concrete path.
 */
export function requestContext(logger: Logger, histogram: HttpDurationHistogram) {
  const debug = logger.isLevelEnabled('debug');
  return async (ctx: AppContext, next: Next) => {
    const started = process.hrtime.bigint();
    const given = ctx.get(REQUEST_ID_HEADER);
    const requestId = REQUEST_ID.test(given) ? given : randomUUID();
    ctx.state = new RequestStateRecord(requestId, debug, logger);
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
