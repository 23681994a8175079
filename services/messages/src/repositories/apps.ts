import type { Kysely } from 'kysely';
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
