import type { Kysely, Updateable } from 'kysely';
import type { IdentityPolicy } from '@switchboard/protocol';
import type { AppRow, AppsTable, Database } from '../db/schema.js';
import type { RotatableCredential } from '../domain/app-credentials.js';

export async function insertApp(
  db: Kysely<Database>,
  app: Pick<AppRow, 'id' | 'name' | 'api_key_hash' | 'admin_token_hash'>,
): Promise<AppRow> {
  return db.insertInto('apps').values(app).returningAll().executeTakeFirstOrThrow();
}

export async function findAppById(db: Kysely<Database>, id: string): Promise<AppRow | undefined> {
  return db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Reads an app and locks its row until the transaction ends: writes that must see a stable set of the app's keys
 * (the 5-key limit) take it first.
 */
export async function lockApp(trx: Kysely<Database>, id: string): Promise<AppRow | undefined> {
  return trx.selectFrom('apps').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function updateAppIdentity(db: Kysely<Database>, id: string, identity: IdentityPolicy): Promise<AppRow | undefined> {
  return db.updateTable('apps').set({ identity }).where('id', '=', id).returningAll().executeTakeFirst();
}

export interface CredentialReplacement {
  readonly hash: string;
  readonly previousHash: string;
  readonly previousValidUntil: Date;
}

/** Stores a rotated credential: the new hash, and the one it replaces with the end of its grace. */
export async function replaceAppCredential(
  trx: Kysely<Database>,
  id: string,
  which: RotatableCredential,
  replacement: CredentialReplacement,
): Promise<void> {
  const { hash, previousHash, previousValidUntil } = replacement;
  const set: Updateable<AppsTable> =
    which === 'api_key'
      ? { api_key_hash: hash, previous_api_key_hash: previousHash, previous_api_key_valid_until: previousValidUntil }
      : { admin_token_hash: hash, previous_admin_token_hash: previousHash, previous_admin_token_valid_until: previousValidUntil };
  await trx.updateTable('apps').set(set).where('id', '=', id).executeTakeFirstOrThrow();
}
