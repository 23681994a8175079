import type { Kysely } from 'kysely';
import { credentialId, SUBJECTS, type RotateCredentialsRequest, type RotatedCredential } from '@switchboard/protocol';
import type { Database } from '../db/schema.js';
import { previousValid, storedCredential, type RotatableCredential } from '../domain/app-credentials.js';
import { notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { credentialFingerprint, hashSecret, newAdminToken, newApiKey } from '../domain/secrets.js';
import { lockApp, replaceAppCredential } from '../repositories/apps.js';
import { enqueueOutboxEvents, type OutboxEvent } from '../repositories/outbox.js';

/**
 * Rotates an app's api key or admin token (CONTRACT.md, "Credential rotation and revocation"), in one transaction
 * under the app's row lock:
 * - a new secret replaces the current one, which stays valid for `grace_seconds` as the app's previous credential;
 * - only one previous credential is kept: one still valid from an earlier rotation is dropped now;
 * - each credential that ends gets an `app.credentials_revoked` outbox event naming it (`credential_id`, from its
 *   stored hash, never the secret) and when it ends (`valid_until`: the dropped one now, the replaced one at the end
 *   of its grace), so the gateways disconnect exactly its sockets then.
 * The caller wakes the outbox relay after the commit. Unknown app: `NOT_FOUND`, nothing written.
 */
export async function rotateCredentials(
  db: Kysely<Database>,
  appId: string,
  request: RotateCredentialsRequest,
  now: Date = new Date(),
): Promise<RotatedCredential> {
  const { which, grace_seconds: graceSeconds } = request;
  const validUntil = new Date(now.getTime() + graceSeconds * 1000);
  return db.transaction().execute(async (trx) => {
    const app = await lockApp(trx, appId);
    if (!app) throw notFound('app');
    const current = storedCredential(app, which);
    const secret = which === 'api_key' ? newApiKey() : newAdminToken(appId);

    const revoked: { hash: string; until: Date }[] = [];
    if (current.previous && previousValid(current, now.getTime())) revoked.push({ hash: current.previous.hash, until: now });
    revoked.push({ hash: current.hash, until: validUntil });

    await replaceAppCredential(trx, appId, which, { hash: hashSecret(secret), previousHash: current.hash, previousValidUntil: validUntil });
    await enqueueOutboxEvents(trx, revoked.map(({ hash, until }) => revokedEvent(appId, which, hash, until)));
    return which === 'api_key'
      ? { api_key: secret, previous_valid_until: validUntil.toISOString() }
      : { admin_token: secret, previous_valid_until: validUntil.toISOString() };
  });
}

function revokedEvent(appId: string, which: RotatableCredential, hash: string, validUntil: Date): OutboxEvent {
  return {
    subject: SUBJECTS.appCredentialsRevoked,
    msgId: newId('evt'),
    conversationId: null,
    payload: {
      app_id: appId,
      which,
      valid_until: validUntil.toISOString(),
      credential_id: credentialId(which, credentialFingerprint(hash)),
    },
  };
}
