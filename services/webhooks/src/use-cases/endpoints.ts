import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { WEBHOOKS, type CreatedWebhookEndpoint, type CreateWebhookRequest, type WebhookEndpoint } from '@switchboard/protocol';
import { newId, notFound, validationFailed } from '@switchboard/service-kit';
import type { WebhooksDatabase } from '../db/schema.js';
import { appExists } from '../repositories/apps.js';
import { countEndpoints, deleteEndpoint, insertEndpoint, listEndpoints, lockAppEndpoints, type EndpointRow } from '../repositories/endpoints.js';

/** A new signing secret: `whsec_` + base64 of 32 random bytes (the Standard Webhooks form). */
export function newWebhookSecret(): string {
  return `${WEBHOOKS.secretPrefix}${randomBytes(WEBHOOKS.secretBytes).toString('base64')}`;
}

export interface CreateEndpointOptions {
  /** `WEBHOOKS_ALLOW_INSECURE`: `http://` targets accepted (one machine, tests). */
  readonly allowInsecure: boolean;
}

/**
 * Registers an endpoint for an app that exists (404 `NOT_FOUND` otherwise), `https://` only unless insecure targets
 * are allowed, at most `WEBHOOKS.maxEndpointsPerApp` per app (the next is a 400 `VALIDATION_FAILED`). The answer is the
 * only time the secret is shown. Whether the host resolves to an allowed address is checked at each send.
 */
export async function createEndpoint(
  db: Kysely<WebhooksDatabase>,
  appId: string,
  request: CreateWebhookRequest,
  options: CreateEndpointOptions,
): Promise<CreatedWebhookEndpoint> {
  if (!options.allowInsecure && new URL(request.url).protocol !== 'https:') {
    throw validationFailed([{ path: 'url', message: 'must be an https:// URL' }], 'body');
  }
  if (!(await appExists(db, appId))) throw notFound('app');
  const full = () =>
    validationFailed([{ path: 'url', message: `the app already has ${WEBHOOKS.maxEndpointsPerApp} endpoints, the most it may hold; delete one first` }], 'body');
  // A full app is refused without a transaction (a flood of creates costs one count each); the count that decides
  // is the one under the app's lock.
  if ((await countEndpoints(db, appId)) >= WEBHOOKS.maxEndpointsPerApp) throw full();
  const row = await db.transaction().execute(async (trx) => {
    await lockAppEndpoints(trx, appId);
    if ((await countEndpoints(trx, appId)) >= WEBHOOKS.maxEndpointsPerApp) throw full();
    return insertEndpoint(trx, { id: newId('whk'), appId, url: request.url, events: request.events, secret: newWebhookSecret() });
  });
  return { ...toWebhookEndpoint(row), secret: row.secret };
}

/** The app's endpoints without their secrets; an app that does not exist is a 404. */
export async function listAppEndpoints(db: Kysely<WebhooksDatabase>, appId: string): Promise<WebhookEndpoint[]> {
  const rows = await listEndpoints(db, appId);
  if (rows.length === 0 && !(await appExists(db, appId))) throw notFound('app');
  return rows.map(toWebhookEndpoint);
}

export async function removeEndpoint(db: Kysely<WebhooksDatabase>, appId: string, id: string): Promise<void> {
  if (!(await deleteEndpoint(db, appId, id))) throw notFound('webhook endpoint');
}

/** An endpoint as the API shows it: never its secret. */
export function toWebhookEndpoint(row: EndpointRow): WebhookEndpoint {
  return { id: row.id, url: row.url, events: [...row.events], created_at: row.created_at.toISOString(), disabled: row.disabled };
}
