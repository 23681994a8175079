import type { z } from 'zod';
import { parseWith, type AckError, type EventAckResult, type EventPayload } from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import { zeroKnownSeries } from '@switchboard/metrics';
import { fullBucket, takeToken, type TokenBucket, type TokenRate } from '@switchboard/runtime';
import type { GatewayMetrics } from '../metrics.js';
import { toAckError } from './errors.js';
import type { AnySocket, EmittingSocket, ListenEventsOf } from './types.js';

type AckFn = (result: unknown) => void;

export interface EventGuardOptions {
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** Events per second per connection; bursts up to twice that. 0 disables. */
  readonly ratePerSecond: number;
}

/**
 * One inbound event: its payload schema and what to do with a valid payload. The handler returns what the ack
 * carries besides `success: true` (nothing for a bare ack).
 */
export interface EventRoute<S extends AnySocket, P, R> {
  readonly schema: z.ZodType<P>;
  readonly handle: (socket: S, payload: P) => R | Promise<R>;
}

/**
 * Every event a namespace accepts, keyed by the namespace's event map from `libs/protocol`: an event the map lacks,
 * one it has but the table lacks, a schema for another payload, or a handler answering another ack shape does not
 * compile. `ping` is built in (ack `"pong"`).
 */
export type EventRoutes<S extends AnySocket> = {
  readonly [E in Exclude<keyof ListenEventsOf<S>, 'ping'>]: EventRoute<S, EventPayload<ListenEventsOf<S>[E]>, EventAckResult<ListenEventsOf<S>[E]>>;
};

/** Declares one route with the payload typed by its schema. */
export const route = <S extends AnySocket, P, R>(schema: z.ZodType<P>, handle: (socket: S, payload: P) => R | Promise<R>): EventRoute<S, P, R> => ({
  schema,
  handle,
});

export interface EventGuard {
  /**
   * Builds the one listener of a namespace. For each event, unknown names included, it counts it, applies the
   * connection's rate limit, validates the payload with the route's schema before the handler runs, and answers the
   * ack with `{ success: true, ...result }` or `{ success: false, error }`; without an ack, a failure becomes an
   * `error` event. `ping` is acked `"pong"`; unknown events within the limit get `VALIDATION_FAILED`, past it
   * `RATE_LIMITED` like any other event. A bad event changes nothing.
   *
   * The listener is shared by every socket of the namespace (it reads the socket from `this`), so a connection
   * costs one listener slot instead of a closure per event: memory per connection is the gateway's budget.
   */
  listener<S extends AnySocket>(namespace: string, routes: EventRoutes<S>): (this: S, event: string, ...args: unknown[]) => void;
}

/** A route as the listener runs it: any event of the table, its payload checked by its schema first. */
type AnyRoute<S extends AnySocket> = EventRoute<S, any, object | void>;

export function createEventGuard(options: EventGuardOptions): EventGuard {
  const { metrics } = options;
  // One token bucket per connection: refills at `rate`/s up to `2 × rate`.
  const rate: TokenRate = { ratePerSecond: options.ratePerSecond, burst: options.ratePerSecond * 2 };
  const buckets = new WeakMap<AnySocket, TokenBucket>();
  const allow = (socket: AnySocket) => {
    if (rate.ratePerSecond <= 0) return true;
    let bucket = buckets.get(socket);
    if (!bucket) buckets.set(socket, (bucket = fullBucket(rate)));
    return takeToken(bucket, rate) === 0;
  };
  const fail = (socket: EmittingSocket, event: string, ack: AckFn | undefined, error: AckError) => {
    metrics.eventErrors.inc({ namespace: socket.nsp.name, event, code: error.code });
    if (ack) ack({ success: false, error });
    else socket.emit('error', error);
  };
  const split = (args: unknown[]): [unknown, AckFn | undefined] => {
    const last = args.at(-1);
    return typeof last === 'function' ? [args.length > 1 ? args[0] : undefined, last as AckFn] : [args[0], undefined];
  };
  const rateLimited = { code: 'RATE_LIMITED', message: 'too many events, slow down' } as const;

  const run = <S extends AnySocket>(socket: S, event: string, routeOf: AnyRoute<S>, payload: unknown, ack: AckFn | undefined) => {
    const parsed = parseWith(routeOf.schema, payload);
    if (!parsed.ok) {
      const detail = parsed.fields.map((f) => (f.path ? `${f.path}: ${f.message}` : f.message)).join('; ');
      return fail(socket, event, ack, { code: 'VALIDATION_FAILED', message: `${event}: ${detail}` });
    }
    Promise.resolve()
      .then(() => routeOf.handle(socket, parsed.value))
      .then(
        (result) => ack?.({ success: true, ...(result ?? {}) }),
        (error: unknown) => {
          const ackError = toAckError(error);
          if (ackError.code === 'INTERNAL') options.logger.error({ err: error, event }, 'event handler failed');
          fail(socket, event, ack, ackError);
        },
      );
  };

  return {
    listener<S extends AnySocket>(namespaceName: string, routes: EventRoutes<S>) {
      const known = new Map<string, AnyRoute<S>>(Object.entries(routes));
      // The namespace's event series exist at 0 from the start (dashboards, the event-errors alert's codes).
      const events = ['ping', 'unknown', ...known.keys()];
      zeroKnownSeries(metrics.eventsIn, { namespace: [namespaceName], event: events });
      zeroKnownSeries(metrics.eventErrors, { namespace: [namespaceName], event: events, code: ['INTERNAL', 'UNAVAILABLE'] });
      return function onEvent(this: S, event: string, ...args: unknown[]) {
        const socket = this;
        const [payload, ack] = split(args);
        const namespace = socket.nsp.name;
        // Every inbound event takes a token, unknown names included: otherwise a flood of made-up names is answered
        // frame for frame and never limited.
        const routeOf = event === 'ping' || typeof event !== 'string' ? undefined : known.get(event);
        const counted = event === 'ping' || routeOf ? event : 'unknown';
        metrics.eventsIn.inc({ namespace, event: counted });
        if (!allow(socket)) return fail(socket, counted, ack, rateLimited);
        if (event === 'ping') return ack?.('pong');
        if (!routeOf) {
          const name = typeof event === 'string' ? event.slice(0, 64) : String(event);
          return fail(socket, 'unknown', ack, { code: 'VALIDATION_FAILED', message: `unknown event "${name}"` });
        }
        run(socket, event, routeOf, payload, ack);
      };
    },
  };
}

