import type { ParameterizedContext, Next } from 'koa';
import type { RouterContext } from '@koa/router';
import type { Logger } from '@switchboard/logger';
import type { Principal } from '@switchboard/protocol';

/** What middleware puts on `ctx.state` for the handlers after it. */
export interface RequestState {
  requestId: string;
  /** The request's logger, made on first use (most requests log nothing) with the fields `bindLog` added. */
  readonly log: Logger;
  /** Adds fields to every later line of this request's logger. */
  bindLog(fields: Readonly<Record<string, string>>): void;
  /** Whether debug lines are written: check before building one, so a quiet request makes no logger. */
  readonly debug: boolean;
  principal?: Principal;
  /** The parsed JSON body (`undefined` for an empty one). */
  body?: unknown;
}

export type AppContext = ParameterizedContext<RequestState>;
export type RouteContext = RouterContext<RequestState>;
export type { Next };
