import type { Logger } from '@switchboard/logger';
import type { FanoutHandler, FanoutResult } from '../fanout/fanout-handler.js';
import type { GatewayMetrics } from '../metrics.js';

/** What the gateway does with one subject of the `EVENTS` stream; the payload is validated by the route. */
export type EventsRoute = (data: unknown) => FanoutResult;

/**
 * The handler of the shared `gateway-events` consumer (the `EVENTS` stream: `app.>`, `conversation.>`): a dispatch
 * by contract subject, one route each (`app.credentials_revoked`, `conversation.updated`). A subject without a
 * route is acked and ignored; a malformed payload is terminated, like on the fan-out.
 */
export function createEventsHandler(routes: Readonly<Record<string, EventsRoute>>, metrics: GatewayMetrics, logger: Logger): FanoutHandler {
  const log = logger.child({ component: 'events' });
  return (subject, data) => {
    const routeOf = Object.hasOwn(routes, subject) ? routes[subject] : undefined;
    const result = routeOf ? routeOf(data) : 'ignored';
    if (result === 'malformed') log.warn({ subject }, 'dropping a malformed event');
    metrics.fanoutProcessed.inc({ subject: result === 'ignored' ? 'other' : subject, result });
    return result;
  };
}
