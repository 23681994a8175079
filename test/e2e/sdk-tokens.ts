import { createHmac } from 'node:crypto';

/** An app's HS256 identity key as `POST /v1/apps/:app_id/identity-keys` answers it (the secret is shown once). */
export interface IdentityKeySecret {
  readonly kid: string;
  readonly alg: 'HS256';
  readonly secret: string;
}

/**
 * What an app's backend does to sign a user or agent in: an HS256 JWT over `claims`, keyed by the UTF-8 bytes of
 * the identity key's secret, with the key's `kid` in the header (CONTRACT.md, "Identity"). Tests sign with
 * node:crypto, the way any JWT library would.
 */
export function signToken(key: IdentityKeySecret, claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT', kid: key.kid })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', Buffer.from(key.secret, 'utf8')).update(unsigned).digest('base64url')}`;
}

/**
 * A user token for `sub` in `appId` living `lifetimeSeconds` from now, or, with `expiredSecondsAgo`, one whose `exp`
 * passed that long ago (issued a minute before).
 */
export function userToken(key: IdentityKeySecret, appId: string, sub: string, timing: { lifetimeSeconds: number } | { expiredSecondsAgo: number }, extra: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const exp = 'lifetimeSeconds' in timing ? now + timing.lifetimeSeconds : now - timing.expiredSecondsAgo;
  return signToken(key, { sub, aud: appId, iat: Math.min(now, exp - 60), exp, ...extra });
}
