import type Router from '@koa/router';
import type { Kysely } from 'kysely';
import { CreateIdentityKeyRequest, IdentityKeyParams, REST_PATHS } from '@switchboard/protocol';
import type { Database } from '../../db/schema.js';
import { notFound } from '../../domain/errors.js';
import type { OutboxWake } from '../../repositories/outbox.js';
import { createIdentityKey, listIdentityKeys, removeIdentityKey } from '../../use-cases/identity-keys.js';
import type { RequestState } from '../context.js';
import { appIdParam, requireOperator, validate } from '@switchboard/service-kit';

export interface IdentityKeysRoutesDeps {
  readonly db: Kysely<Database>;
  readonly operatorToken: string | undefined;
  /** Told after an app's keys changed, so that this replica's caches drop it at once. */
  readonly onAppChanged: (appId: string) => void;
  /** Wakes the outbox relay after a deletion wrote its revocation event. */
  readonly wakeRelay: OutboxWake;
}

/** The operator API of an app's identity keys (CONTRACT.md, "Identity keys"). Secrets are never logged. */
export function identityKeysRoutes(router: Router<RequestState>, deps: IdentityKeysRoutesDeps): void {
  const operator = requireOperator<RequestState>(deps.operatorToken);

  router.post(REST_PATHS.identityKeys, operator, async (ctx) => {
    const appId = appIdParam(ctx);
    const request = validate(CreateIdentityKeyRequest, ctx.state.body, 'body');
    const key = await createIdentityKey(deps.db, appId, request);
    deps.onAppChanged(appId);
    ctx.state.log.info({ kid: key.kid, alg: key.alg }, 'identity key added');
    ctx.status = 201;
    ctx.body = key;
  });

  router.get(REST_PATHS.identityKeys, operator, async (ctx) => {
    ctx.body = await listIdentityKeys(deps.db, appIdParam(ctx));
  });

  router.delete(REST_PATHS.identityKey, operator, async (ctx) => {
    const appId = appIdParam(ctx);
    const parsed = IdentityKeyParams.safeParse({ app_id: appId, kid: ctx.params.kid });
    if (!parsed.success) throw notFound('identity key');
    await removeIdentityKey(deps.db, appId, parsed.data.kid);
    deps.onAppChanged(appId);
    deps.wakeRelay();
    ctx.state.log.info({ kid: parsed.data.kid }, 'identity key deleted');
    ctx.status = 204;
  });
}
