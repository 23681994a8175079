import { importJWK, type CryptoKey } from 'jose';
import type { Kysely } from 'kysely';
import type { IdentityKeyAlg, IdentityPolicy } from '@switchboard/protocol';
import { createTtlCache } from '@switchboard/runtime';
import type { Database, IdentityKeyRow } from '../db/schema.js';
import { findAppById } from '../repositories/apps.js';
import { listIdentityKeyRows } from '../repositories/identity-keys.js';

/** A stored credential hash and, after a rotation, the previous one with the end of its grace. */
export interface RotatingHash {
  readonly current: string;
  readonly previous: string | null;
  readonly previousValidUntil: Date | null;
}

/** An identity key ready to verify with: HS256 the UTF-8 bytes of the secret, ES256 the imported public key. */
export interface VerificationKey {
  readonly kid: string;
  readonly alg: IdentityKeyAlg;
  readonly key: Uint8Array | CryptoKey;
}

/** What authenticating against one app needs, loaded at once. Holds secrets: never logged. */
export interface AppAuth {
  readonly id: string;
  readonly identity: IdentityPolicy;
  readonly apiKey: RotatingHash;
  readonly adminToken: RotatingHash;
  readonly keys: ReadonlyMap<string, VerificationKey>;
  /** When it was read from the database (`Date.now()`). */
  readonly loadedAt: number;
}

/**
 * The apps' credentials, policy and identity keys as the authenticator and the token verifier read them: two queries
 * per app per TTL, never one per request. A change made on this replica (operator API) calls `invalidate` at once;
 * one made elsewhere (a CLI on `DATABASE_URL`, another replica) is seen within the TTL.
 */
export interface AppAuthCache {
  /** `null`: no such app (cached too, so unknown ids cost one query per TTL). */
  get(appId: string): Promise<AppAuth | null>;
  /**
   * The app as cached, or read again now when the cached entry is at least `minAgeMs` old: for a secret that matched
   * neither credential, which may have been rotated on another replica or by a CLI (CONTRACT.md: the new credential
   * works at once). Concurrent calls share one read; a stream of wrong secrets costs one read per `minAgeMs` per app.
   */
  getFresh(appId: string, minAgeMs: number): Promise<AppAuth | null>;
  invalidate(appId: string): void;
}

export interface AppAuthCacheOptions {
  readonly db: Kysely<Database>;
  /** @default 5000 (contract: CLI changes reach running services within 15 s) */
  readonly ttlMs?: number;
  /** @default 10000 */
  readonly maxSize?: number;
}

export function createAppAuthCache(options: AppAuthCacheOptions): AppAuthCache {
  const cache = createTtlCache<AppAuth | null>({ ttlMs: options.ttlMs ?? 5000, maxSize: options.maxSize ?? 10_000 });
  const load = async (appId: string): Promise<AppAuth | null> => {
    const [app, keyRows] = await Promise.all([findAppById(options.db, appId), listIdentityKeyRows(options.db, appId)]);
    if (!app) return null;
    const keys = new Map<string, VerificationKey>();
    for (const row of keyRows) {
      const key = await verificationKeyOf(row);
      if (key) keys.set(row.kid, key);
    }
    return {
      id: app.id,
      identity: app.identity,
      apiKey: { current: app.api_key_hash, previous: app.previous_api_key_hash, previousValidUntil: app.previous_api_key_valid_until },
      adminToken: {
        current: app.admin_token_hash,
        previous: app.previous_admin_token_hash,
        previousValidUntil: app.previous_admin_token_valid_until,
      },
      keys,
      loadedAt: Date.now(),
    };
  };
  const get = (appId: string) => cache.get(appId, () => load(appId));
  /** Re-reads in flight, so that concurrent callers share one. */
  const reloading = new Map<string, Promise<AppAuth | null>>();
  return {
    get,
    async getFresh(appId, minAgeMs) {
      const cached = await get(appId);
      if (cached !== null && Date.now() - cached.loadedAt < minAgeMs) return cached;
      let reload = reloading.get(appId);
      if (!reload) {
        cache.delete(appId);
        reload = get(appId).finally(() => reloading.delete(appId));
        reloading.set(appId, reload);
      }
      return reload;
    },
    invalidate: (appId) => cache.delete(appId),
  };
}

const encoder = new TextEncoder();

/** A stored key that cannot be used (a JWK no longer importable) verifies nothing rather than failing the app. */
async function verificationKeyOf(row: IdentityKeyRow): Promise<VerificationKey | undefined> {
  if (row.alg === 'HS256' && row.secret !== null) return { kid: row.kid, alg: 'HS256', key: encoder.encode(row.secret) };
  if (row.alg === 'ES256' && row.jwk !== null) {
    const key = await importJWK({ kty: row.jwk.kty, crv: row.jwk.crv, x: row.jwk.x, y: row.jwk.y }, 'ES256').catch(() => undefined);
    return key && !(key instanceof Uint8Array) ? { kid: row.kid, alg: 'ES256', key } : undefined;
  }
  return undefined;
}
