import type { Socket } from 'node:net';
import { addressLimitKey, clientAddress, type WindowCounter } from '@switchboard/runtime';
import { AppError } from '../domain/errors.js';
import { addressRateKey, type RateLimiter } from '../rate-limit/rate-limiter.js';
import type { AppContext, Next } from './context.js';

export interface AddressLimitsOptions {
  /** `TRUSTED_PROXY_HOPS`: the client address is the n-th `X-Forwarded-For` entry from the right (0: the peer). */
  readonly trustedProxyHops: number;
  /** `API_RATE_PER_IP_PER_SECOND`; none: off. Fails open (wrapped by the caller). */
  readonly rate: RateLimiter | undefined;
  /** 401s per address per minute; none: off. Fails open (wrapped by the caller). */
  readonly failures: WindowCounter | undefined;
  /** `AUTH_FAILURES_PER_IP_PER_MINUTE`. */
  readonly failuresPerMinute: number;
}

/** Only the public API is limited: never the gateway's `/internal/` calls (a refused handshake counts once, on the gateway), nor the probes. */
const PUBLIC_PREFIX = '/v1/';

const refuse = (ctx: AppContext, retryAfterMs: number, message: string) => {
  ctx.set('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  return new AppError('RATE_LIMITED', message);
};

/**
 * The public API's per-address limits (CONTRACT.md, "Connection and authentication limits"), before any route's
 * work: an address over its failure limit gets 429 `RATE_LIMITED` with `Retry-After` (the end of its minute)
 * whatever it sends; then `API_RATE_PER_IP_PER_SECOND`; then the request runs, and a 401 it ends with (missing,
 * wrong or expired credentials, a wrong operator token) counts one failure for the address.
 */
export function addressLimits(options: AddressLimitsOptions) {
  const { rate, failures, failuresPerMinute } = options;
  // A keep-alive connection keeps its peer address: its key is worked out again only when `X-Forwarded-For` changes.
  const keys = new WeakMap<Socket, { readonly forwardedFor: string | string[] | undefined; readonly key: string }>();
  const keyOf = (ctx: AppContext) => {
    const socket = ctx.req.socket;
    const forwardedFor = ctx.req.headers['x-forwarded-for'];
    const known = keys.get(socket);
    if (known && known.forwardedFor === forwardedFor) return known.key;
    const key = addressLimitKey(clientAddress(socket.remoteAddress, forwardedFor, options.trustedProxyHops));
    keys.set(socket, { forwardedFor, key });
    return key;
  };
  return async (ctx: AppContext, next: Next) => {
    if (!ctx.path.startsWith(PUBLIC_PREFIX) || (!rate && !failures)) return next();
    const key = keyOf(ctx);
    if (failures) {
      const failed = await failures.peek(key);
      if (failed.count >= failuresPerMinute) throw refuse(ctx, failed.resetMs, 'too many failed authentications from this address, retry later');
    }
    if (rate) {
      const decision = await rate.take(addressRateKey(key));
      if (!decision.allowed) throw refuse(ctx, decision.retryAfterMs, 'too many requests from this address, retry later');
    }
    if (!failures) return next();
    try {
      await next();
    } catch (error) {
      if ((error as { status?: unknown })?.status === 401) await failures.hit(key);
      throw error;
    }
  };
}
