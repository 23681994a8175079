import type { Kysely } from 'kysely';
import type { PublicEcJwk } from '@switchboard/protocol';
import type { Database, IdentityKeyRow } from '../db/schema.js';

/** An app's identity keys, oldest first (secrets included: for the verifier's cache, never for an answer). */
export async function listIdentityKeyRows(db: Kysely<Database>, appId: string): Promise<IdentityKeyRow[]> {
  return db.selectFrom('identity_keys').selectAll().where('app_id', '=', appId).orderBy('created_at').orderBy('kid').execute();
}

export async function countIdentityKeys(db: Kysely<Database>, appId: string): Promise<number> {
  const row = await db
    .selectFrom('identity_keys')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('app_id', '=', appId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertIdentityKey(
  db: Kysely<Database>,
  key: { app_id: string; kid: string; alg: 'HS256'; secret: string } | { app_id: string; kid: string; alg: 'ES256'; jwk: PublicEcJwk },
): Promise<IdentityKeyRow> {
  const values = key.alg === 'HS256'
    ? { app_id: key.app_id, kid: key.kid, alg: key.alg, secret: key.secret, jwk: null }
    : { app_id: key.app_id, kid: key.kid, alg: key.alg, secret: null, jwk: JSON.stringify(key.jwk) };
  return db.insertInto('identity_keys').values(values).returningAll().executeTakeFirstOrThrow();
}

/** Whether a key was deleted. */
export async function deleteIdentityKey(db: Kysely<Database>, appId: string, kid: string): Promise<boolean> {
  const result = await db.deleteFrom('identity_keys').where('app_id', '=', appId).where('kid', '=', kid).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
