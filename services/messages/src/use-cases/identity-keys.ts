import { randomBytes } from 'node:crypto';
import { importJWK } from 'jose';
import type { Kysely } from 'kysely';
import {
  credentialId,
  IDENTITY,
  SUBJECTS,
  type AppCredentialsRevokedEvent,
  type CreatedIdentityKey,
  type CreateIdentityKeyRequest,
  type IdentityKeyList,
} from '@switchboard/protocol';
import type { Database } from '../db/schema.js';
import { notFound, validationFailed } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { toIdentityKey } from '../domain/mappers.js';
import { findAppById, lockApp } from '../repositories/apps.js';
import { countIdentityKeys, deleteIdentityKey, insertIdentityKey, listIdentityKeyRows } from '../repositories/identity-keys.js';
import { enqueueOutboxEvents } from '../repositories/outbox.js';

/**
 * Adds an identity key to an app: HS256 with a secret generated here (shown in this answer only), or ES256 with the
 * app's public JWK. At most `IDENTITY.maxKeysPerApp`: one more is a 400 (delete one first); the app's row is locked
 * so two concurrent additions cannot both pass the count.
 */
export async function createIdentityKey(db: Kysely<Database>, appId: string, request: CreateIdentityKeyRequest): Promise<CreatedIdentityKey> {
  if (request.alg === 'ES256' && !(await isUsablePublicKey(request.jwk))) {
    throw validationFailed([{ path: 'jwk', message: 'is not a P-256 public key (x and y must be a point of the curve)' }], 'body');
  }
  return db.transaction().execute(async (trx) => {
    if (!(await lockApp(trx, appId))) throw notFound('app');
    if ((await countIdentityKeys(trx, appId)) >= IDENTITY.maxKeysPerApp) {
      throw validationFailed(
        [{ path: 'alg', message: `the app already has ${IDENTITY.maxKeysPerApp} identity keys, the most it may hold: delete one first` }],
        'body',
      );
    }
    const kid = newId('key');
    if (request.alg === 'HS256') {
      const secret = randomBytes(IDENTITY.hsSecretBytes).toString('base64url');
      const row = await insertIdentityKey(trx, { app_id: appId, kid, alg: 'HS256', secret });
      return { ...toIdentityKey(row), secret };
    }
    const { kty, crv, x, y } = request.jwk;
    const row = await insertIdentityKey(trx, { app_id: appId, kid, alg: 'ES256', jwk: { kty, crv, x, y } });
    return toIdentityKey(row);
  });
}

export async function listIdentityKeys(db: Kysely<Database>, appId: string): Promise<IdentityKeyList> {
  const [app, rows] = await Promise.all([findAppById(db, appId), listIdentityKeyRows(db, appId)]);
  if (!app) throw notFound('app');
  return { data: rows.map(toIdentityKey) };
}

/**
 * Deletes an identity key and, in the same transaction, writes `app.credentials_revoked` for it, so that every
 * gateway disconnects the sockets whose token it signed. Unknown app or key: `NOT_FOUND`. The caller wakes the relay.
 */
export async function removeIdentityKey(db: Kysely<Database>, appId: string, kid: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (!(await lockApp(trx, appId))) throw notFound('app');
    if (!(await deleteIdentityKey(trx, appId, kid))) throw notFound('identity key');
    const event: AppCredentialsRevokedEvent = {
      app_id: appId,
      which: 'identity_key',
      valid_until: new Date().toISOString(),
      credential_id: credentialId('identity_key', kid),
    };
    await enqueueOutboxEvents(trx, [
      { subject: SUBJECTS.appCredentialsRevoked, msgId: `revoked.${appId}.identity_key.${kid}`, conversationId: null, payload: event },
    ]);
  });
}

async function isUsablePublicKey(jwk: { kty: string; crv: string; x: string; y: string }): Promise<boolean> {
  try {
    await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, 'ES256');
    return true;
  } catch {
    return false;
  }
}
