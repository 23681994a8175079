import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { AgentClient } from '@switchboard/client';
import type { Conversation } from '@switchboard/protocol';
import {
  inboxQuery,
  matchesFilters,
  mergePage,
  removeConversation,
  upsertConversation,
  withMessage,
  type InboxFilters,
} from './inbox-model.js';

export interface Inbox {
  readonly conversations: readonly Conversation[];
  /** More conversations match than are shown (`loadMore` reads the next page). */
  readonly hasMore: boolean;
  readonly loading: boolean;
  readonly error: string | null;
  loadMore(): void;
  /** The console marked a conversation read: its unread count is 0 for the agents. */
  markedRead(conversationId: string): void;
}

/**
 * The inbox: the app's conversations that match the filters, newest activity first, a page at a time, kept live by
 * `message:new` (activity and unread counts) and `conversation:updated` (status, snooze, assignee: a conversation
 * that stops matching leaves the list). After a reconnect that lost the session the first page is read again, since
 * changes made meanwhile are not replayed.
 */
export function useInbox(client: AgentClient, filters: InboxFilters, agentId: string | null, openId: string | null): Inbox {
  const [conversations, setConversations] = useState<readonly Conversation[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  // Pages read for earlier filters are dropped when they come back late.
  const generation = useRef(0);
  const openRef = useRef(openId);
  openRef.current = openId;
  const everConnected = useRef(false);
  const listed = useRef(new Set<string>());
  listed.current = new Set(conversations.map((c) => c.id));
  /**
   * Conversations being read because a message named one the list does not hold: one read each at a time, and one
   * more after it when another message came meanwhile (the first read may have missed it).
   */
  const reading = useRef(new Map<string, boolean>());

  /** Reads a page: the first (`after` null; replacing the list when `fresh`) or the one after a cursor. */
  const readPage = useCallback(
    (after: string | null, fresh: boolean) => {
      const mine = generation.current;
      setLoading(true);
      client.conversations(inboxQuery(filters, agentId, after ?? undefined)).then(
        (page) => {
          if (mine !== generation.current) return;
          setConversations((shown) => mergePage(shown, page.data, fresh));
          // Read again after a reconnect, the first page does not move where the next one starts.
          setCursor((current) => (after === null && fresh ? current : page.next_cursor));
          setError(null);
          setLoading(false);
        },
        (failure: Error) => {
          if (mine !== generation.current) return;
          setError(`Could not load conversations: ${failure.message}`);
          setLoading(false);
        },
      );
    },
    [client, filters, agentId],
  );

  useEffect(() => {
    generation.current++;
    setConversations([]);
    setCursor(null);
    readPage(null, false);
  }, [readPage]);

  useEffect(() => {
    // A conversation the list does not hold (new, or below the pages read): read it, and show it if it matches.
    const readUnlisted = (id: string) => {
      if (reading.current.has(id)) return void reading.current.set(id, true);
      reading.current.set(id, false);
      client
        .conversation(id)
        .then(
          (conversation) => {
            if (!matchesFilters(conversation, filters, agentId)) return;
            setConversations((shown) => upsertConversation(shown, openRef.current === id ? { ...conversation, unread_count: 0 } : conversation));
          },
          () => undefined, // it is listed at the next page read or reconnect
        )
        .finally(() => {
          const again = reading.current.get(id);
          reading.current.delete(id);
          if (again) readUnlisted(id);
        });
    };
    const offs = [
      client.on('message:new', (message) => {
        // The list as last rendered says whether to read the conversation; the update applies to the list as it is.
        if (!listed.current.has(message.conversation_id)) readUnlisted(message.conversation_id);
        setConversations((shown) => {
          const conversation = shown.find((c) => c.id === message.conversation_id);
          return conversation ? upsertConversation(shown, withMessage(conversation, message, openRef.current === conversation.id)) : shown;
        });
      }),
      client.on('conversation:updated', (conversation) =>
        setConversations((shown) =>
          matchesFilters(conversation, filters, agentId) ? upsertConversation(shown, conversation) : removeConversation(shown, conversation.id),
        ),
      ),
      client.on('connect', ({ recovered }) => {
        if (everConnected.current && !recovered) readPage(null, true);
        everConnected.current = true;
      }),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [client, filters, agentId, readPage]);

  const loadMore = useCallback(() => {
    if (cursor !== null && !loading) readPage(cursor, false);
  }, [cursor, loading, readPage]);

  const markedRead = useCallback((conversationId: string) => {
    setConversations((shown) => shown.map((c) => (c.id === conversationId && c.unread_count !== 0 ? { ...c, unread_count: 0 } : c)));
  }, []);

  return { conversations, hasMore: cursor !== null, loading, error, loadMore, markedRead };
}
