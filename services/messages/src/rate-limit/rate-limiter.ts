import type { Principal } from '@switchboard/protocol';

/** The answer for one request: allowed, or refused with how long until a request would be allowed. */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/**
 * A token bucket per caller: `ratePerSecond` requests a second, bursts of `burst`. Two adapters: in memory (one
 * process) and Redis (shared by every replica). A limiter that cannot reach its store lets requests through: a
 * rate limit must not take the API down with it.
 */
export interface RateLimiter {
  take(key: string): Promise<RateDecision>;
}

export interface RateLimit {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/** One bucket per device, one per signed-in user, and one per app for its agents (they share the admin token). */
export const rateLimitKey = (principal: Principal): string =>
  principal.kind === 'device'
    ? `c:${principal.app_id}:${principal.device_id}`
    : principal.kind === 'user'
      ? `u:${principal.app_id}:${principal.user_id}`
      : `a:${principal.app_id}`;
