import type { z } from 'zod';
import { parseWith, type AckError } from '@switchboard/protocol';
import type { Logger } from '@switchboard/logger';
import type { GatewayMetrics } from '../metrics.js';
import { GatewayError, toAckError } from './errors.js';
import type { AnySocket } from './types.js';

type AckFn = (result: unknown) => void;

export interface EventGuardOptions {
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** Events per second per connection; bursts up to twice that. 0 disables. */
  readonly ratePerSecond: number;
}

export interface EventGuard {
  /**
   * Registers `handler` for `event`: counts it, applies the connection's rate limit, validates the payload with
   * `schema` before the handler runs, and answers the ack with `{ success: true, ...result }` or
   * `{ success: false, error }`. Without an ack, a failure becomes an `error` event. A bad event changes nothing.
   */
  on<S extends z.ZodType, R extends object | void>(
    socket: AnySocket,
    event: string,
    schema: S,
    handler: (payload: z.output<S>) => R | Promise<R>,
  ): void;
  /** `ping` → ack `"pong"` (rate-limited like every event). */
  ping(socket: AnySocket): void;
  /** Refuses events the namespace does not know, with a clear error. */
  refuseUnknown(socket: AnySocket, known: ReadonlySet<string>): void;
}

/**
 * One token bucket per connection, kept in two numbers on a closure (no timer): refills at `rate`/s up to
 * `2 × rate`.
 */
function createBucket(rate: number) {
  const capacity = rate * 2;
  let tokens = capacity;
  let last = Date.now();
  return () => {
    if (rate <= 0) return true;
    const now = Date.now();
    tokens = Math.min(capacity, tokens + ((now - last) / 1000) * rate);
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

export function createEventGuard(options: EventGuardOptions): EventGuard {
  const { metrics } = options;
  const buckets = new WeakMap<AnySocket, () => boolean>();
  const allow = (socket: AnySocket) => {
    let take = buckets.get(socket);
    if (!take) buckets.set(socket, (take = createBucket(options.ratePerSecond)));
    return take();
  };
  const fail = (socket: AnySocket, event: string, ack: AckFn | undefined, error: AckError) => {
    metrics.eventErrors.inc({ namespace: socket.nsp.name, event, code: error.code });
    if (ack) ack({ success: false, error });
    else (socket as AnySocket & { emit(ev: 'error', e: AckError): boolean }).emit('error', error);
  };
  const split = (args: unknown[]): [unknown, AckFn | undefined] => {
    const last = args.at(-1);
    return typeof last === 'function' ? [args.length > 1 ? args[0] : undefined, last as AckFn] : [args[0], undefined];
  };
  const rateLimited = { code: 'RATE_LIMITED', message: 'too many events, slow down' } as const;

  return {
    on(socket, event, schema, handler) {
      (socket as unknown as { on(e: string, l: (...a: unknown[]) => void): void }).on(event, (...args) => {
        const [payload, ack] = split(args);
        metrics.eventsIn.inc({ namespace: socket.nsp.name, event });
        if (!allow(socket)) return fail(socket, event, ack, rateLimited);
        const parsed = parseWith(schema, payload);
        if (!parsed.ok) {
          const detail = parsed.fields.map((f) => (f.path ? `${f.path}: ${f.message}` : f.message)).join('; ');
          return fail(socket, event, ack, { code: 'VALIDATION_FAILED', message: `${event}: ${detail}` });
        }
        Promise.resolve()
          .then(() => handler(parsed.value))
          .then(
            (result) => ack?.({ success: true, ...(result ?? {}) }),
            (error: unknown) => {
              const ackError = toAckError(error);
              if (ackError.code === 'INTERNAL') options.logger.error({ err: error, event }, 'event handler failed');
              fail(socket, event, ack, ackError);
            },
          );
      });
    },
    ping(socket) {
      (socket as unknown as { on(e: string, l: (...a: unknown[]) => void): void }).on('ping', (...args) => {
        const [, ack] = split(args);
        metrics.eventsIn.inc({ namespace: socket.nsp.name, event: 'ping' });
        if (!allow(socket)) return fail(socket, 'ping', ack, rateLimited);
        ack?.('pong');
      });
    },
    refuseUnknown(socket, known) {
      socket.onAny((event: string, ...args: unknown[]) => {
        if (known.has(event)) return;
        const [, ack] = split(args);
        const name = typeof event === 'string' ? event.slice(0, 64) : String(event);
        metrics.eventsIn.inc({ namespace: socket.nsp.name, event: 'unknown' });
        fail(socket, 'unknown', ack, { code: 'VALIDATION_FAILED', message: `unknown event "${name}"` });
      });
    },
  };
}

export { GatewayError };
