import type { ParameterizedContext, Next } from 'koa';
import type { RouterContext } from '@koa/router';
import type { Principal } from '@switchboard/protocol';
import type { ServiceRequestState } from '@switchboard/service-kit';

/** What middleware puts on `ctx.state` for the handlers after it: the shared fields and the authenticated caller. */
export interface RequestState extends ServiceRequestState {
  principal?: Principal;
}

export type AppContext = ParameterizedContext<RequestState>;
export type RouteContext = RouterContext<RequestState>;
export type { Next };
