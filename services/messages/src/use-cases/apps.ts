import type { Kysely } from 'kysely';
import type { App, CreatedApp, UpdateAppRequest } from '@switchboard/protocol';
import type { Database } from '../db/schema.js';
import { newId } from '../domain/ids.js';
import { hashSecret, newAdminToken, newApiKey } from '../domain/secrets.js';
import { notFound } from '../domain/errors.js';
import { toApp } from '../domain/mappers.js';
import { insertApp, updateAppIdentity } from '../repositories/apps.js';

/** Creates an app; the only time its api key and admin token are seen in clear. */
export async function createApp(db: Kysely<Database>, name: string): Promise<CreatedApp> {
  const id = newId('app');
  const apiKey = newApiKey();
  const adminToken = newAdminToken(id);
  const row = await insertApp(db, {
    id,
    name,
    api_key_hash: hashSecret(apiKey),
    admin_token_hash: hashSecret(adminToken),
  });
  return { id, name: row.name, api_key: apiKey, admin_token: adminToken, created_at: row.created_at.toISOString() };
}

/** Sets an app's identity policy (`PATCH /v1/apps/:app_id`); unknown app: `NOT_FOUND`. */
export async function updateAppPolicy(db: Kysely<Database>, appId: string, update: UpdateAppRequest): Promise<App> {
  const row = await updateAppIdentity(db, appId, update.identity);
  if (!row) throw notFound('app');
  return toApp(row);
}
