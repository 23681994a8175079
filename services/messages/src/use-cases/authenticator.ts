import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { findAppById } from '../repositories/apps.js';
import { AppError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import { appIdOfAdminToken, secretMatches } from '../domain/secrets.js';

export interface ClientCredentials {
  readonly appId: string;
  readonly deviceId: string;
  readonly apiKey: string;
}

/** Checks credentials; throws `INVALID_CREDENTIALS` (never says which part was wrong). */
export interface Authenticator {
  authenticateClient(credentials: ClientCredentials): Promise<Principal & { kind: 'client' }>;
  authenticateAgent(adminToken: string, expectedAppId?: string): Promise<Principal & { kind: 'agent' }>;
}

export interface AuthenticatorOptions {
  readonly db: Kysely<Database>;
}

/** How long an app's hashes (or its absence) are cached. */
const CACHE_TTL_MS = 5000;
/** Apps cached at most. */
const CACHE_SIZE = 10_000;

interface CachedApp {
  readonly expires: number;
  readonly hashes: { readonly apiKey: string; readonly adminToken: string } | null;
}

const invalid = () => new AppError('INVALID_CREDENTIALS', 'the credentials are not valid');

/**
 * Looks apps up by id with a short cache, so a busy app costs one query per TTL rather than one per request;
 * a rotated or deleted app is honoured within the TTL.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const ttl = CACHE_TTL_MS;
  const maxSize = CACHE_SIZE;
  const cache = new Map<string, CachedApp>();

  async function hashesOf(appId: string): Promise<CachedApp['hashes']> {
    const now = Date.now();
    const hit = cache.get(appId);
    if (hit && hit.expires > now) return hit.hashes;
    const row = await findAppById(options.db, appId);
    const hashes = row ? { apiKey: row.api_key_hash, adminToken: row.admin_token_hash } : null;
    if (cache.size >= maxSize) cache.delete(cache.keys().next().value!);
    cache.set(appId, { expires: now + ttl, hashes });
    return hashes;
  }

  return {
    async authenticateClient({ appId, deviceId, apiKey }) {
      const hashes = await hashesOf(appId);
      if (!hashes || !secretMatches(apiKey, hashes.apiKey)) throw invalid();
      return { kind: 'client', appId, deviceId };
    },
    async authenticateAgent(adminToken, expectedAppId) {
      const appId = appIdOfAdminToken(adminToken);
      if (!appId || (expectedAppId !== undefined && expectedAppId !== appId)) throw invalid();
      const hashes = await hashesOf(appId);
      if (!hashes || !secretMatches(adminToken, hashes.adminToken)) throw invalid();
      return { kind: 'agent', appId };
    },
  };
}
