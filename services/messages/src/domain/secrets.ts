import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ADMIN_TOKEN_PREFIX } from '@switchboard/protocol/http-api';

/**
 * Api keys and admin tokens are 256-bit random secrets, so a fast hash is enough to store them (nothing to
 * brute-force); only the SHA-256 is kept, and comparisons run in constant time.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const actual = Buffer.from(hashSecret(secret), 'hex');
  const expected = Buffer.from(storedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export { secretsEqual } from '@switchboard/service-kit';

export function newApiKey(): string {
  return `sbk_${randomBytes(32).toString('base64url')}`;
}

/** An admin token names its app: `sba.<app_id>.<secret>` (read back by the protocol's `appIdOfAdminToken`). */
export function newAdminToken(appId: string): string {
  return `${ADMIN_TOKEN_PREFIX}.${appId}.${randomBytes(32).toString('base64url')}`;
}

/**
 * Names a stored api key or admin token without revealing it: the first 16 hex digits of its stored SHA-256. It goes
 * in `credentialId`s (`api_key:<fingerprint>`) that the gateway keeps per socket and a revocation names.
 */
export function credentialFingerprint(storedHash: string): string {
  return storedHash.slice(0, 16);
}
