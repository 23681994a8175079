import type Router from '@koa/router';
import type { Kysely } from 'kysely';
import {
  ConversationIdParams,
  CreateConversationRequest,
  ListConversationsQuery,
  REST_PATHS,
  UpdateConversationRequest,
} from '@switchboard/protocol';
import type { Database } from '../../db/schema.js';
import { notFound } from '../../domain/errors.js';
import type { Authenticator } from '../../use-cases/authenticator.js';
import type { OutboxWake } from '../../repositories/outbox.js';
import { updateConversation } from '../../use-cases/conversation-workflow.js';
import { getConversation, openConversation, pageConversations } from '../../use-cases/conversations.js';
import type { RateLimiter } from '../../rate-limit/rate-limiter.js';
import { requireAuth } from '../auth.js';
import type { RequestState, RouteContext } from '../context.js';
import { validate } from '@switchboard/service-kit';

export interface ConversationsRoutesDeps {
  readonly db: Kysely<Database>;
  readonly authenticator: Authenticator;
  /** Per-caller request rate; none: no limit. */
  readonly rateLimiter?: RateLimiter | undefined;
  readonly wakeRelay: OutboxWake;
}

export function conversationsRoutes(router: Router<RequestState>, deps: ConversationsRoutesDeps): void {
  const { db } = deps;

  router.post(REST_PATHS.conversations, requireAuth(deps.authenticator, 'client', deps.rateLimiter), async (ctx) => {
    validate(CreateConversationRequest, ctx.state.body ?? {}, 'body');
    const conversation = await openConversation(db, ctx.state.principal!);
    if (ctx.state.debug) ctx.state.log.debug({ conversation_id: conversation.id }, 'conversation opened');
    ctx.status = 201;
    ctx.body = conversation;
  });

  router.get(REST_PATHS.conversations, requireAuth(deps.authenticator, 'both', deps.rateLimiter), async (ctx) => {
    const query = validate(ListConversationsQuery, ctx.query, 'query');
    ctx.body = await pageConversations(db, ctx.state.principal!, query);
  });

  router.get(REST_PATHS.conversation, requireAuth(deps.authenticator, 'both', deps.rateLimiter), async (ctx) => {
    ctx.body = await getConversation(db, ctx.state.principal!, conversationId(ctx));
  });

  // The body first (400), then the conversation (404), then what a client may change (403): see updateConversation.
  router.patch(REST_PATHS.conversation, requireAuth(deps.authenticator, 'both', deps.rateLimiter), async (ctx) => {
    const update = validate(UpdateConversationRequest, ctx.state.body, 'body');
    const conversation = await updateConversation(db, ctx.state.principal!, conversationId(ctx), update, deps.wakeRelay);
    if (ctx.state.debug) ctx.state.log.debug({ status: conversation.status }, 'conversation updated');
    ctx.body = conversation;
  });
}

/** The `:id` path parameter, validated; a malformed id cannot name anything, so it is a 404 like an unknown one. */
export function conversationId(ctx: RouteContext): string {
  const parsed = ConversationIdParams.safeParse(ctx.params);
  if (!parsed.success) throw notFound('conversation');
  ctx.state.bindLog({ conversation_id: parsed.data.id });
  return parsed.data.id;
}
