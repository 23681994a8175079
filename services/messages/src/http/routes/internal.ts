import type Router from '@koa/router';
import type { Kysely } from 'kysely';
import {
  INTERNAL_PATHS,
  INTERNAL_TOKEN_HEADER,
  InternalAuthAdminRequest,
  InternalAuthClientRequest,
  InternalConversationAccessRequest,
  InternalSendMessageRequest,
  type InternalAuthAdminResponse,
  type InternalAuthClientResponse,
  type InternalConversationAccessResponse,
} from '@switchboard/protocol';
import type { Database } from '../../db/schema.js';
import type { Authenticator } from '../../use-cases/authenticator.js';
import { AppError, notFound } from '../../domain/errors.js';
import { secretsEqual } from '../../domain/secrets.js';
import { findConversation, latestConversation } from '../../repositories/conversations.js';
import type { MessageSender } from '../../use-cases/send-batcher.js';
import type { Next, RequestState, RouteContext } from '../context.js';
import { validate } from '../validate.js';

export interface InternalRoutesDeps {
  readonly db: Kysely<Database>;
  readonly authenticator: Authenticator;
  readonly send: MessageSender;
  /** When set, every internal request must carry it in `X-Internal-Token`. */
  readonly internalToken: string | undefined;
}

/**
 * The gateway's API: it never reads Postgres itself. The gateway authenticated the socket at its handshake and
 * passes the resulting principal; this service still scopes every lookup by it.
 */
export function internalRoutes(router: Router<RequestState>, deps: InternalRoutesDeps): void {
  const { db, authenticator } = deps;
  const guard = async (ctx: RouteContext, next: Next) => {
    if (deps.internalToken) {
      const given = ctx.get(INTERNAL_TOKEN_HEADER);
      if (!given) throw new AppError('MISSING_PARAMS', `missing ${INTERNAL_TOKEN_HEADER}`);
      if (!secretsEqual(given, deps.internalToken)) throw new AppError('INVALID_CREDENTIALS', 'the internal token is not valid');
    }
    return next();
  };

  router.post(INTERNAL_PATHS.authClient, guard, async (ctx) => {
    const input = validate(InternalAuthClientRequest, ctx.state.body, 'body');
    const principal = await authenticator.authenticateClient({ appId: input.app_id, deviceId: input.device_id, apiKey: input.api_key });
    const latest = await latestConversation(db, principal);
    const body: InternalAuthClientResponse = {
      principal,
      latest_conversation: latest ? { id: latest.id, last_message_id: latest.last_message_id } : null,
      session: { token_expires_at: null, credentials_valid_until: null, credentials: [] },
    };
    ctx.body = body;
  });

  router.post(INTERNAL_PATHS.authAdmin, guard, async (ctx) => {
    const input = validate(InternalAuthAdminRequest, ctx.state.body, 'body');
    if (input.admin_token === undefined) throw new AppError('INVALID_CREDENTIALS', 'the credentials are not valid');
    const principal = await authenticator.authenticateAgent(input.admin_token, input.app_id);
    const body: InternalAuthAdminResponse = {
      principal,
      session: { token_expires_at: null, credentials_valid_until: null, credentials: [] },
    };
    ctx.body = body;
  });

  router.post(INTERNAL_PATHS.conversationAccess, guard, async (ctx) => {
    const input = validate(InternalConversationAccessRequest, ctx.state.body, 'body');
    const row = await findConversation(db, input.conversation_id, input.principal);
    if (!row) throw notFound('conversation');
    const body: InternalConversationAccessResponse = {
      conversation_id: row.id,
      app_id: row.app_id,
      device_id: row.device_id,
      user_id: row.user_id,
      last_message_id: row.last_message_id,
    };
    ctx.body = body;
  });

  router.post(INTERNAL_PATHS.sendMessage, guard, async (ctx) => {
    const input = validate(InternalSendMessageRequest, ctx.state.body, 'body');
    const { message, created } = await deps.send({
      principal: input.principal,
      conversationId: input.conversation_id,
      body: input.body,
      local_id: input.local_id,
    });
    ctx.status = created ? 201 : 200;
    ctx.body = { message, created };
  });
}
