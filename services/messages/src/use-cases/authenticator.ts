import { createTtlCache } from '@switchboard/runtime';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { findAppById } from '../repositories/apps.js';
import { AppError } from '../domain/errors.js';
import type { AgentPrincipal, DevicePrincipal } from '@switchboard/protocol';
import { appIdOfAdminToken } from '../domain/secrets.js';
import { credentialAccepts, storedCredential, type StoredCredential } from '../domain/app-credentials.js';

export interface ClientCredentials {
  readonly appId: string;
  readonly deviceId: string;
  readonly apiKey: string;
}

/** Checks credentials; throws `INVALID_CREDENTIALS` (never says which part was wrong). */
export interface Authenticator {
  authenticateClient(credentials: ClientCredentials): Promise<DevicePrincipal>;
  authenticateAgent(adminToken: string, expectedAppId?: string): Promise<AgentPrincipal>;
  /** Forgets what is cached of the app: this replica honours a rotation it made at once (others within the TTL). */
  invalidate(appId: string): void;
}

export interface AuthenticatorOptions {
  readonly db: Kysely<Database>;
}

/** How long an app's hashes (or its absence) are cached. */
const CACHE_TTL_MS = 5000;
/** Apps cached at most. */
const CACHE_SIZE = 10_000;

/**
 * A secret that matches neither credential of a cached app reloads the app, at most once per this long per app: a
 * credential rotated on another replica works here at once (CONTRACT.md: "the new credential works at once"),
 * while a stream of wrong secrets costs at most one query a second.
 */
const RELOAD_ON_MISMATCH_AFTER_MS = 1000;

type AppHashes = { readonly apiKey: StoredCredential; readonly adminToken: StoredCredential; readonly loadedAt: number } | null;

const invalid = () => new AppError('INVALID_CREDENTIALS', 'the credentials are not valid');

/**
 * Looks apps up by id with a short cache, so a busy app costs one query per TTL rather than one per request;
 * a deleted app is honoured within the TTL. After a rotation the previous credential is accepted until the end of
 * its grace (checked at each request, so the cache never extends it).
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const cache = createTtlCache<AppHashes>({ ttlMs: CACHE_TTL_MS, maxSize: CACHE_SIZE });

  const hashesOf = (appId: string): Promise<AppHashes> =>
    cache.get(appId, async () => {
      const row = await findAppById(options.db, appId);
      return row ? { apiKey: storedCredential(row, 'api_key'), adminToken: storedCredential(row, 'admin_token'), loadedAt: Date.now() } : null;
    });

  /** Whether the app exists and `pick`'s credential of it accepts `secret` (current, or previous within its grace). */
  const accepts = async (appId: string, secret: string, pick: (hashes: NonNullable<AppHashes>) => StoredCredential) => {
    const hashes = await hashesOf(appId);
    if (!hashes) return false;
    if (credentialAccepts(pick(hashes), secret)) return true;
    if (Date.now() - hashes.loadedAt < RELOAD_ON_MISMATCH_AFTER_MS) return false;
    cache.delete(appId);
    const fresh = await hashesOf(appId);
    return fresh !== null && credentialAccepts(pick(fresh), secret);
  };

  return {
    async authenticateClient({ appId, deviceId, apiKey }) {
      if (!(await accepts(appId, apiKey, (h) => h.apiKey))) throw invalid();
      return { kind: 'device', app_id: appId, device_id: deviceId };
    },
    async authenticateAgent(adminToken, expectedAppId) {
      const appId = appIdOfAdminToken(adminToken);
      if (!appId || (expectedAppId !== undefined && expectedAppId !== appId)) throw invalid();
      if (!(await accepts(appId, adminToken, (h) => h.adminToken))) throw invalid();
      return { kind: 'agent', app_id: appId, agent_id: null, name: null };
    },
    invalidate: (appId) => cache.delete(appId),
  };
}
