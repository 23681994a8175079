import type { Kysely } from 'kysely';
import { LIMITS, type Conversation, type ConversationPage } from '@switchboard/protocol';
import type { Database } from '../db/schema.js';
import { AppError, notFound, validationFailed } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { toConversation } from '../domain/mappers.js';
import { sideOf } from '../domain/principal.js';
import { userIdOf, type Principal } from '@switchboard/protocol';
import { findConversation, insertConversation, listConversations, type ConversationFilters } from '../repositories/conversations.js';

export async function openConversation(db: Kysely<Database>, principal: Principal): Promise<Conversation> {
  if (principal.kind === 'agent') throw new AppError('FORBIDDEN', 'only a device opens a conversation');
  const row = await insertConversation(db, {
    id: newId('conv'),
    app_id: principal.app_id,
    device_id: principal.device_id,
    user_id: userIdOf(principal),
  });
  return toConversation(row, sideOf(principal));
}

export async function getConversation(db: Kysely<Database>, principal: Principal, id: string): Promise<Conversation> {
  const row = await findConversation(db, id, principal);
  if (!row) throw notFound('conversation');
  return toConversation(row, sideOf(principal));
}

// The conversation cursor is the `activity` position of the last row shown, so it never depends on clocks.
const CURSOR_PREFIX = 'a1:';
/** `activity` is a Postgres bigint taken from a sequence: 1 … 2^63 − 1. A number outside it names no page. */
const ACTIVITY_MAX = 2n ** 63n - 1n;

export function encodeConversationCursor(activity: string): string {
  return Buffer.from(CURSOR_PREFIX + activity, 'utf8').toString('base64url');
}

export function decodeConversationCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const activity = text.startsWith(CURSOR_PREFIX) ? text.slice(CURSOR_PREFIX.length) : '';
  if (!/^[0-9]{1,19}$/.test(activity) || BigInt(activity) > ACTIVITY_MAX || encodeConversationCursor(activity) !== cursor) {
    throw validationFailed([{ path: 'cursor', message: 'is not a cursor from a previous page' }], 'query');
  }
  return activity;
}

/**
 * One page of the principal's conversations, newest activity first, narrowed by the filters (`ListConversationsQuery`).
 * The cursor is the last row's `activity`: the same filters with it continue the list. Workflow changes do not move
 * `activity`, so paging visits each conversation once while others are closed, snoozed or assigned underneath; a
 * new message moves its conversation above the cursor (seen again only on a new first page).
 */
export async function pageConversations(
  db: Kysely<Database>,
  principal: Principal,
  query: { limit?: number | undefined; cursor?: string | undefined } & ConversationFilters,
): Promise<ConversationPage> {
  const limit = query.limit ?? LIMITS.pageLimitDefault;
  const before = query.cursor === undefined ? undefined : decodeConversationCursor(query.cursor);
  const filters: ConversationFilters = { status: query.status, assignee: query.assignee, unread: query.unread };
  const rows = await listConversations(db, principal, filters, limit + 1, before);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map((row) => toConversation(row, sideOf(principal))),
    next_cursor: rows.length > limit && last ? encodeConversationCursor(last.activity) : null,
  };
}
