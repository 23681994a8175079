import type { ParameterizedContext, Next } from 'koa';
import type { RouterContext } from '@koa/router';
import type { Logger } from '@switchboard/logger';
import type { Principal } from '../domain/principal.js';

/** What middleware puts on `ctx.state` for the handlers after it. */
export interface RequestState {
  requestId: string;
  log: Logger;
  principal?: Principal;
  /** The parsed JSON body (`undefined` for an empty one). */
  body?: unknown;
}

export type AppContext = ParameterizedContext<RequestState>;
export type RouteContext = RouterContext<RequestState>;
export type { Next };
