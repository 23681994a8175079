import type Router from '@koa/router';
import type { z } from 'zod';
import type { Kysely } from 'kysely';
import {
  INTERNAL_PATHS,
  INTERNAL_TOKEN_HEADER,
  InternalAuthAdminRequest,
  InternalAuthClientRequest,
  InternalConversationAccessRequest,
  InternalAuthRefreshRequest,
  InternalSendMessageRequest,
  InternalUpdateConversationRequest,
  LIMITS,
  type InternalAuthAdminResponse,
  type InternalAuthRefreshResponse,
  type InternalAuthClientResponse,
  type InternalConversationAccessResponse,
  type InternalUpdateConversationResponse,
} from '@switchboard/protocol';
import type { Database } from '../../db/schema.js';
import type { Authenticator } from '../../use-cases/authenticator.js';
import { AppError, notFound } from '../../domain/errors.js';
import { secretsEqual } from '../../domain/secrets.js';
import { findConversation, latestConversation } from '../../repositories/conversations.js';
import type { OutboxWake } from '../../repositories/outbox.js';
import { updateConversation } from '../../use-cases/conversation-workflow.js';
import type { MessageSender } from '../../use-cases/send-batcher.js';
import type { Next, RequestState, RouteContext } from '../context.js';
import { validate } from '@switchboard/service-kit';

export interface InternalRoutesDeps {
  readonly db: Kysely<Database>;
  readonly authenticator: Authenticator;
  readonly send: MessageSender;
  readonly wakeRelay: OutboxWake;
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
    const { input, token } = validateAsideToken(InternalAuthClientRequest, ctx.state.body, 'user_token');
    const { principal, session } = await authenticator.authenticateClient({
      appId: input.app_id,
      deviceId: input.device_id,
      apiKey: input.api_key,
      userToken: token,
    });
    const latest = await latestConversation(db, principal);
    const body: InternalAuthClientResponse = {
      principal,
      latest_conversation: latest ? { id: latest.id, last_message_id: latest.last_message_id } : null,
      session,
    };
    ctx.body = body;
  });

  router.post(INTERNAL_PATHS.authAdmin, guard, async (ctx) => {
    const { input, token } = validateAsideToken(InternalAuthAdminRequest, ctx.state.body, 'agent_token');
    const credentials = token !== undefined ? { agentToken: token } : { adminToken: input.admin_token! };
    const body: InternalAuthAdminResponse = await authenticator.authenticateAgent(credentials, input.app_id);
    ctx.body = body;
  });

  router.post(INTERNAL_PATHS.authRefresh, guard, async (ctx) => {
    const { input, token } = validateAsideToken(InternalAuthRefreshRequest, ctx.state.body, 'token');
    const body: InternalAuthRefreshResponse = { session: await authenticator.refresh(input.principal, token!) };
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

  // The admin socket's `conversation:update`: the rules of `PATCH /v1/conversations/:id`, for the socket's agent.
  router.post(INTERNAL_PATHS.updateConversation, guard, async (ctx) => {
    const { principal, conversation_id, ...update } = validate(InternalUpdateConversationRequest, ctx.state.body, 'body');
    const body: InternalUpdateConversationResponse = await updateConversation(db, principal, conversation_id, update, deps.wakeRelay);
    ctx.body = body;
  });
}

/**
 * Validates an auth body, taking its token out: an empty token or one longer than `LIMITS.tokenMaxChars` is not a
 * malformed body but a refused credential, so it is validated as a placeholder and handed to the verifier, which
 * refuses it unread (`INVALID_CREDENTIALS`, counted as `malformed` or `too_long`) after the other credentials.
 */
function validateAsideToken<S extends z.ZodType>(schema: S, body: unknown, field: string): { input: z.output<S>; token: string | undefined } {
  const given = (body as Record<string, unknown> | undefined)?.[field];
  const aside = typeof given === 'string' && (given.length === 0 || given.length > LIMITS.tokenMaxChars);
  const input = validate(schema, aside ? { ...(body as object), [field]: 'set-aside' } : body, 'body');
  const token = aside ? given : (input as Record<string, unknown>)[field];
  return { input, token: typeof token === 'string' ? token : undefined };
}
