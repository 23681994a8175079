import type { Kysely } from 'kysely';
import type { IdentityPolicy } from '@switchboard/protocol';
import type { AppRow, Database } from '../db/schema.js';

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
