import { createTtlCache } from '@switchboard/runtime';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { findAppById } from '../repositories/apps.js';
import { AppError } from '../domain/errors.js';
import type { AgentPrincipal, DevicePrincipal } from '@switchboard/protocol';
import { appIdOfAdminToken, secretMatches } from '../domain/secrets.js';

export interface ClientCredentials {
  readonly appId: string;
  readonly deviceId: string;
  readonly apiKey: string;
}

/** Checks credentials; throws `INVALID_CREDENTIALS` (never says which part was wrong). */
export interface Authenticator {
  authenticateClient(credentials: ClientCredentials): Promise<DevicePrincipal>;
  authenticateAgent(adminToken: string, expectedAppId?: string): Promise<AgentPrincipal>;
}

export interface AuthenticatorOptions {
  readonly db: Kysely<Database>;
}

/** How long an app's hashes (or its absence) are cached. */
const CACHE_TTL_MS = 5000;
/** Apps cached at most. */
const CACHE_SIZE = 10_000;

type AppHashes = { readonly apiKey: string; readonly adminToken: string } | null;

const invalid = () => new AppError('INVALID_CREDENTIALS', 'the credentials are not valid');

/**
 * Looks apps up by id with a short cache, so a busy app costs one query per TTL rather than one per request;
 * a rotated or deleted app is honoured within the TTL.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const cache = createTtlCache<AppHashes>({ ttlMs: CACHE_TTL_MS, maxSize: CACHE_SIZE });

  const hashesOf = (appId: string): Promise<AppHashes> =>
    cache.get(appId, async () => {
      const row = await findAppById(options.db, appId);
      return row ? { apiKey: row.api_key_hash, adminToken: row.admin_token_hash } : null;
    });

  return {
    async authenticateClient({ appId, deviceId, apiKey }) {
      const hashes = await hashesOf(appId);
      if (!hashes || !secretMatches(apiKey, hashes.apiKey)) throw invalid();
      return { kind: 'device', app_id: appId, device_id: deviceId };
    },
    async authenticateAgent(adminToken, expectedAppId) {
      const appId = appIdOfAdminToken(adminToken);
      if (!appId || (expectedAppId !== undefined && expectedAppId !== appId)) throw invalid();
      const hashes = await hashesOf(appId);
      if (!hashes || !secretMatches(adminToken, hashes.adminToken)) throw invalid();
      return { kind: 'agent', app_id: appId, agent_id: null, name: null };
    },
  };
}
