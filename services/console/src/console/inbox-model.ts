import type { Conversation, ListConversationsQuery, Message } from '@switchboard/protocol';

/** The inbox's two filters: the conversations' status, and whose they are. */
export type StatusFilter = 'open' | 'snoozed' | 'closed';
export type AssigneeFilter = 'all' | 'mine' | 'unassigned';

export interface InboxFilters {
  readonly status: StatusFilter;
  readonly assignee: AssigneeFilter;
}

/** Conversations read per page of the inbox. */
export const INBOX_PAGE_SIZE = 50;

/**
 * The list query for the filters. `mine` needs the agent's id (an agent token's `sub`); signed in with the admin
 * token there is none, and the console does not offer it.
 */
export function inboxQuery(filters: InboxFilters, agentId: string | null, cursor?: string): ListConversationsQuery {
  return {
    status: filters.status,
    ...(filters.assignee === 'mine' && agentId ? { assignee: agentId } : {}),
    ...(filters.assignee === 'unassigned' ? { assignee: 'none' } : {}),
    limit: INBOX_PAGE_SIZE,
    ...(cursor ? { cursor } : {}),
  };
}

/** Whether a conversation belongs in the list under these filters (for live updates: the server filtered the pages). */
export function matchesFilters(conversation: Conversation, filters: InboxFilters, agentId: string | null): boolean {
  if (conversation.status !== filters.status) return false;
  if (filters.assignee === 'mine') return agentId !== null && conversation.assignee_id === agentId;
  if (filters.assignee === 'unassigned') return conversation.assignee_id === null;
  return true;
}

/** Message activity, the list's order (closing, snoozing or assigning does not move a conversation). */
export const activityOf = (conversation: Conversation): number => Date.parse(conversation.last_message_at ?? conversation.created_at);

/** Newest activity first; ties by id, so the order is stable. */
const newestFirst = (a: Conversation, b: Conversation): number => activityOf(b) - activityOf(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** The list with `conversation` added or replaced, still newest activity first. */
export function upsertConversation(list: readonly Conversation[], conversation: Conversation): Conversation[] {
  return [...list.filter((c) => c.id !== conversation.id), conversation].sort(newestFirst);
}

/**
 * The list with a page read from the server merged in. A further page keeps the copies the list holds (heard live,
 * so newer than the page); a page read again after a reconnect (`fresh`) replaces them, since changes made while the
 * console was away are not replayed.
 */
export function mergePage(list: readonly Conversation[], page: readonly Conversation[], fresh = false): Conversation[] {
  const known = new Map(list.map((c) => [c.id, c]));
  for (const conversation of page) if (fresh || !known.has(conversation.id)) known.set(conversation.id, conversation);
  return [...known.values()].sort(newestFirst);
}

export const removeConversation = (list: readonly Conversation[], id: string): Conversation[] => list.filter((c) => c.id !== id);

/**
 * Whether a message is news to a conversation as the list holds it: newer than its newest message. A message the
 * list already counted (heard again after a reload, or filled in by the SDK's catch-up) is not, so unread counts
 * never count one twice.
 */
export function isNewActivity(conversation: Conversation, message: Message): boolean {
  if (conversation.last_message_id === message.id) return false;
  if (conversation.last_message_at === null) return true;
  return message.created_at >= conversation.last_message_at;
}

/**
 * A conversation after one of its messages arrived: it moves to the top, and a customer's message counts as unread
 * for the agents unless the agent is reading the conversation (`reading`: the console marks it read at once).
 */
export function withMessage(conversation: Conversation, message: Message, reading: boolean): Conversation {
  if (!isNewActivity(conversation, message)) return conversation;
  const fromCustomer = message.sender === 'user';
  return {
    ...conversation,
    last_message_id: message.id,
    last_message_at: message.created_at,
    unread_count: reading ? 0 : conversation.unread_count + (fromCustomer ? 1 : 0),
  };
}
