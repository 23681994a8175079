import type Router from '@koa/router';
import type { Kysely } from 'kysely';
import { ListMessagesQuery, MarkReadRequest, REST_PATHS, SendMessageRequest } from '@switchboard/protocol';
import type { Database } from '../../db/schema.js';
import type { Authenticator } from '../../use-cases/authenticator.js';
import type { OutboxWake } from '../../repositories/outbox.js';
import { markRead, pageMessages } from '../../use-cases/messages.js';
import type { MessageSender } from '../../use-cases/send-batcher.js';
import type { RateLimiter } from '../../rate-limit/rate-limiter.js';
import { requireAuth } from '../auth.js';
import type { RequestState } from '../context.js';
import { validate } from '@switchboard/service-kit';
import { conversationId } from './conversations.js';

export interface MessagesRoutesDeps {
  readonly db: Kysely<Database>;
  readonly authenticator: Authenticator;
  /** Per-caller request rate; none: no limit. */
  readonly rateLimiter?: RateLimiter | undefined;
  readonly wakeRelay: OutboxWake;
  readonly send: MessageSender;
}

export function messagesRoutes(router: Router<RequestState>, deps: MessagesRoutesDeps): void {
  const { db } = deps;
  const auth = requireAuth(deps.authenticator, 'both', deps.rateLimiter);

  router.post(REST_PATHS.messages, auth, async (ctx) => {
    const input = validate(SendMessageRequest, ctx.state.body, 'body');
    const { message, created } = await deps.send({ principal: ctx.state.principal!, conversationId: conversationId(ctx), ...input });
    if (ctx.state.debug) ctx.state.log.debug({ message_id: message.id, created }, 'message stored');
    ctx.status = created ? 201 : 200;
    ctx.body = message;
  });

  router.get(REST_PATHS.messages, auth, async (ctx) => {
    const query = validate(ListMessagesQuery, ctx.query, 'query');
    ctx.body = await pageMessages(db, ctx.state.principal!, conversationId(ctx), query);
  });

  router.post(REST_PATHS.read, auth, async (ctx) => {
    const { last_read_message_id } = validate(MarkReadRequest, ctx.state.body, 'body');
    await markRead(db, ctx.state.principal!, conversationId(ctx), last_read_message_id, deps.wakeRelay);
    ctx.status = 204;
  });
}
