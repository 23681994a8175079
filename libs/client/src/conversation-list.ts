import { REST_PATHS } from '@switchboard/protocol/http-api';
import type { Conversation, ConversationPage, ListConversationsQuery } from '@switchboard/protocol';

/**
 * What `listConversations` walks: the list's filters (CONTRACT.md, "Conversation workflow": `status`, `assignee` = an
 * agent id or `'none'` for the unassigned ones, `unread: true`) and `limit`, the size of each page it reads (1–200,
 * the server's default 50). The cursor is the walk's own.
 */
export type ConversationFilters = Omit<ListConversationsQuery, 'cursor'>;

/** `GET /v1/conversations` with the query's fields that are set (`unread: true` as `unread=true`). */
export function conversationsPath(query: ListConversationsQuery = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const qs = params.toString();
  return `${REST_PATHS.conversations}${qs ? `?${qs}` : ''}`;
}

/**
 * Every conversation the list holds for `filters`, newest activity first, reading a page at a time (the next one
 * only when the previous one is consumed) and following `next_cursor` to the last page. The cursor is a position in
 * the activity order, which only messages move: a conversation closed, snoozed or assigned during the walk keeps
 * its place and is visited at most once (with a filter, as it is when its page is read). One that gets a message
 * during the walk moves to the top, behind the walk: it is not visited (again), and a connected client hears the
 * message as `message:new`. Stopping the loop (`break`) reads no further page.
 */
export async function* walkConversations(
  page: (query: ListConversationsQuery) => Promise<ConversationPage>,
  filters: ConversationFilters = {},
): AsyncGenerator<Conversation, void, undefined> {
  let cursor: string | null = null;
  do {
    const result: ConversationPage = await page(cursor === null ? filters : { ...filters, cursor });
    yield* result.data;
    cursor = result.next_cursor;
  } while (cursor !== null);
}
