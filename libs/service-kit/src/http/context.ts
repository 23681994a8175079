import type { ParameterizedContext, Next } from 'koa';
import type { RouterContext } from '@koa/router';
import type { Logger } from '@switchboard/logger';

/** What the shared middleware puts on `ctx.state`; a service extends it with its own fields (its caller, …). */
export interface ServiceRequestState {
  requestId: string;
  /** The request's logger, made on first use (most requests log nothing) with the fields `bindLog` added. */
  readonly log: Logger;
  /** Adds fields to every later line of this request's logger. */
  bindLog(fields: Readonly<Record<string, string>>): void;
  /** Whether debug lines are written: check before building one, so a quiet request makes no logger. */
  readonly debug: boolean;
  /** The parsed JSON body (`undefined` for an empty one). */
  body?: unknown;
}

export type AppContext = ParameterizedContext<ServiceRequestState>;
export type RouteContext = RouterContext<ServiceRequestState>;
export type { Next };
