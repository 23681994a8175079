/**
 * A token's expiry as the SDK reads it: the `exp` claim of a JWT's payload, decoded (base64url JSON) and never
 * verified: the server verifies; the client only needs to know when to fetch the next one.
 */

/** A JWT's payload (its claims), decoded and never verified; `undefined` when the token is not a JWT with a JSON object payload. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims: unknown = JSON.parse(base64UrlDecode(parts[1]));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // not base64url JSON: a token we cannot read, the server will judge it
  }
}

/** The `exp` claim of a JWT, in milliseconds since the epoch; `undefined` when the token is not a JWT with a numeric `exp`. */
export function tokenExpiry(token: string): number | undefined {
  const exp = jwtClaims(token)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
}

/** The fraction of a token's remaining lifetime after which it is refreshed… */
export const REFRESH_AT_FRACTION = 0.8;
/** …or this long before its `exp`, whichever comes first… */
export const REFRESH_BEFORE_EXP_MS = 60_000;
/**
 * …but never before this fraction of the remaining lifetime, so that a token shorter than the margin above (a
 * 30-second token) is refreshed at half its life instead of at once, over and over.
 */
export const REFRESH_NOT_BEFORE_FRACTION = 0.5;

/**
 * How long after receiving a token with `remainingMs` left to refresh it: at 80 % of the remaining lifetime or 60 s
 * before `exp`, whichever comes first, and not before half of it; 0 for a token already past its `exp`.
 */
export function refreshDelayMs(remainingMs: number): number {
  if (!(remainingMs > 0)) return 0;
  const whicheverFirst = Math.min(remainingMs * REFRESH_AT_FRACTION, remainingMs - REFRESH_BEFORE_EXP_MS);
  return Math.floor(Math.max(whicheverFirst, remainingMs * REFRESH_NOT_BEFORE_FRACTION));
}

function base64UrlDecode(segment: string): string {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  // `atob` and `TextDecoder` are in browsers and Node 20 alike (no Buffer in the browser entry).
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}
