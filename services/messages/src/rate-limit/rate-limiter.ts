import type { Principal } from '@switchboard/protocol';
import type { FailOpen } from '@switchboard/runtime';

/** The answer for one request: allowed, or refused with how long until a request would be allowed. */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

/**
 * A token bucket per key: `ratePerSecond` requests a second, bursts of `burst`. Two adapters: in memory (one
 * process) and Redis (shared by every replica). The Redis one rejects when it cannot reach its store; the service
 * wraps every limiter with `failingOpen`, so that a rate limit never takes the API down with it.
 */
export interface RateLimiter {
  take(key: string): Promise<RateDecision>;
}

export interface RateLimit {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/**
 * `API_RATE_PER_SECOND`'s key, after authentication: one bucket per device, per signed-in user (whatever device),
 * per agent of an agent token, and one for an app's admin token (its servers together). Each key names its app.
 */
export const rateLimitKey = (principal: Principal): string => {
  switch (principal.kind) {
    case 'device':
      return `c:${principal.app_id}:${principal.device_id}`;
    case 'user':
      return `u:${principal.app_id}:${principal.user_id}`;
    case 'agent':
      return principal.agent_id === null ? `a:${principal.app_id}` : `g:${principal.app_id}:${principal.agent_id}`;
  }
};

/** `API_RATE_PER_IP_PER_SECOND`'s key: the client address (`addressLimitKey`), whatever the credentials. */
export const addressRateKey = (addressKey: string): string => `ip:${addressKey}`;

/** `limiter`, letting requests through when it fails (its store is down or slow), counted under `limit`. */
export function failingOpen(limiter: RateLimiter, limit: string, failOpen: FailOpen): RateLimiter {
  return { take: (key) => failOpen.run(limit, () => limiter.take(key), { allowed: true }) };
}
