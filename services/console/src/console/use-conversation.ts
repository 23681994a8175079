import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { AgentClient, ConversationChanges, PendingSend } from '@switchboard/client';
import type { Conversation, Message } from '@switchboard/protocol';
import { mergeMessages } from '../shared/message-model.js';
import { applyStatus } from './timeline-model.js';

/** Messages read per page of history (the newest page, then scroll-back). */
export const HISTORY_PAGE_SIZE = 30;
/** A customer's typing indicator goes after this long without a word from the gateway (it sends `false` on stop). */
const TYPING_STALE_MS = 8_000;

export interface OpenConversation {
  readonly conversation: Conversation | null;
  readonly messages: readonly Message[];
  /** Sends not acknowledged yet (queued while offline, or in flight), also those a reload left in the store. */
  readonly pending: readonly PendingSend[];
  readonly hasEarlier: boolean;
  readonly loadingEarlier: boolean;
  readonly customerTyping: boolean;
  readonly error: string | null;
  loadEarlier(): Promise<void>;
  send(body: string): void;
  typing(): void;
  update(changes: ConversationChanges): Promise<void>;
}

/**
 * One conversation as the agent works in it: joined (so the customer's typing reaches the console), its newest
 * messages and then older ones on demand (`before=`), live messages and read receipts, sends through the SDK's
 * queue, and the conversation's workflow. Read up to its newest message while it is open (`onRead`).
 */
export function useConversation(client: AgentClient, conversationId: string, onRead: (conversationId: string) => void): OpenConversation {
  const [conversation, setConversation] = useState<Conversation | null>(null);
  const [messages, setMessages] = useState<readonly Message[]>([]);
  const [pending, setPending] = useState<readonly PendingSend[]>([]);
  const [hasEarlier, setHasEarlier] = useState(false);
  const [loadingEarlier, setLoadingEarlier] = useState(false);
  const [customerTyping, setCustomerTyping] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const markedUpTo = useRef<string | null>(null);
  /** Whether the newest page was read once: only that first read says whether older messages exist. */
  const historyRead = useRef(false);

  /** This page's sends until they settle (the SDK lists a send once its store has it, a moment after `send()`). */
  const ownSends = useRef(new Map<string, PendingSend>());
  const refreshPending = useCallback(() => {
    const queued = new Map(client.pendingSends.filter((p) => p.conversationId === conversationId).map((p) => [p.localId, p]));
    for (const [localId, send] of ownSends.current) if (!queued.has(localId)) queued.set(localId, send);
    setPending([...queued.values()].sort((a, b) => a.createdAt - b.createdAt));
  }, [client, conversationId]);

  /** The conversation and its newest page, merged with what is shown (first open, and after a lost session). */
  const readNewest = useCallback(() => {
    client.conversation(conversationId).then(setConversation, (failure: Error) => setError(failure.message));
    client.messages(conversationId, { limit: HISTORY_PAGE_SIZE }).then(
      (page) => {
        if (!historyRead.current) setHasEarlier(page.has_more);
        historyRead.current = true;
        setMessages((shown) => mergeMessages(shown, page.data));
      },
      (failure: Error) => setError(`Could not load the messages: ${failure.message}`),
    );
  }, [client, conversationId]);

  useEffect(() => {
    let typingTimer: ReturnType<typeof setTimeout> | undefined;
    const ours = (id: string) => id === conversationId;
    const offs = [
      client.on('message:new', (message) => {
        if (!ours(message.conversation_id)) return;
        setMessages((shown) => mergeMessages(shown, [message]));
        if (message.sender === 'user') setCustomerTyping(false);
        refreshPending();
      }),
      client.on('message:status', (payload) => ours(payload.conversation_id) && setMessages((shown) => applyStatus(shown, payload))),
      client.on('conversation:updated', (updated) => ours(updated.id) && setConversation(updated)),
      client.on('user:typing', ({ conversation_id, is_typing }) => {
        if (!ours(conversation_id)) return;
        clearTimeout(typingTimer);
        setCustomerTyping(is_typing);
        if (is_typing) typingTimer = setTimeout(() => setCustomerTyping(false), TYPING_STALE_MS);
      }),
      client.on('connect', ({ recovered }) => {
        refreshPending();
        if (!recovered) readNewest();
      }),
      client.on('send:failed', (failure) => {
        if (failure.conversationId !== conversationId) return;
        setError(`A message could not be sent (${failure.code}): ${failure.message}`);
        refreshPending();
      }),
    ];
    client.join(conversationId).catch((failure: Error) => setError(`Could not join the conversation: ${failure.message}`));
    readNewest();
    refreshPending();
    return () => {
      clearTimeout(typingTimer);
      for (const off of offs) off();
      client.leave(conversationId);
    };
  }, [client, conversationId, readNewest, refreshPending]);

  // Read while open: the agents' marker follows the newest message once the customer has written since.
  useEffect(() => {
    const newest = messages.at(-1);
    if (!newest || markedUpTo.current === newest.id) return;
    const customerWaiting = newest.sender === 'user' || (conversation?.unread_count ?? 0) > 0;
    if (!customerWaiting) return;
    markedUpTo.current = newest.id;
    client.markRead(conversationId, newest.id).then(
      () => onRead(conversationId),
      () => (markedUpTo.current = null), // tried again with the next message
    );
  }, [client, conversationId, messages, conversation, onRead]);

  const loadEarlier = useCallback(async () => {
    const first = messages[0];
    if (!first || loadingEarlier) return;
    setLoadingEarlier(true);
    try {
      const page = await client.messages(conversationId, { before: first.id, limit: HISTORY_PAGE_SIZE });
      setMessages((shown) => mergeMessages(shown, page.data));
      setHasEarlier(page.has_more);
    } catch (failure) {
      setError(`Could not load earlier messages: ${(failure as Error).message}`);
    } finally {
      setLoadingEarlier(false);
    }
  }, [client, conversationId, messages, loadingEarlier]);

  const send = useCallback(
    (body: string) => {
      setError(null);
      const localId = globalThis.crypto.randomUUID();
      ownSends.current.set(localId, { conversationId, localId, body, createdAt: Date.now() });
      const settled = () => {
        ownSends.current.delete(localId);
        refreshPending();
      };
      client.send(conversationId, body, { localId }).then(
        (message) => {
          setMessages((shown) => mergeMessages(shown, [message]));
          settled();
        },
        (failure: Error & { code?: string }) => {
          // Closing the console keeps the queued sends in the tab's store: the next page load sends them.
          if (failure.code !== 'CLIENT_CLOSED') setError(`Not sent (${failure.code ?? 'error'}): ${failure.message}`);
          settled();
        },
      );
      refreshPending();
    },
    [client, conversationId, refreshPending],
  );

  const typing = useCallback(() => client.typing(conversationId), [client, conversationId]);

  const update = useCallback(
    async (changes: ConversationChanges) => {
      setError(null);
      try {
        setConversation(await client.updateConversation(conversationId, changes));
      } catch (failure) {
        setError(`Could not update the conversation: ${(failure as Error).message}`);
      }
    },
    [client, conversationId],
  );

  // An acknowledged send shows as its message from the moment either says so.
  const unacknowledged = useMemo(() => {
    const stored = new Set(messages.map((m) => m.local_id));
    return pending.filter((p) => !stored.has(p.localId));
  }, [messages, pending]);

  return { conversation, messages, pending: unacknowledged, hasEarlier, loadingEarlier, customerTyping, error, loadEarlier, send, typing, update };
}
