import { sql, type Kysely } from 'kysely';

/**
 * Whether the app exists: the service's one read outside its own schema, of the messages service's `apps` table
 * (read-only, by primary key; the messages service stays the only writer of chat data). Endpoints are only made
 * for apps that exist; an app's later deletion is not watched (apps are not deleted today).
 */
export async function appExists(db: Kysely<any>, appId: string): Promise<boolean> {
  const { rows } = await sql<{ found: number }>`SELECT 1 AS found FROM public.apps WHERE id = ${appId}`.execute(db);
  return rows.length > 0;
}
