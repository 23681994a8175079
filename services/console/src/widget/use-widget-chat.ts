import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ChatClient, PendingSend } from '@switchboard/client';
import type { Conversation, Message } from '@switchboard/protocol';
import type { WidgetConnection } from './connection-status.js';
import { mergeMessages } from '../shared/message-model.js';
import { newestFromAgents, readByAgents } from './widget-model.js';

/** Messages read per page: the newest page at start, then older ones on demand. */
const PAGE_SIZE = 30;
/** The agents' typing indicator goes after this long without a word from the gateway (it sends `false` on stop). */
const TYPING_STALE_MS = 8_000;

export interface WidgetChat {
  readonly connection: WidgetConnection;
  readonly conversation: Conversation | null;
  readonly messages: readonly Message[];
  /** Sends not acknowledged yet (queued while offline, or in flight), also those a reload left in the store. */
  readonly pending: readonly PendingSend[];
  readonly agentTyping: boolean;
  readonly hasEarlier: boolean;
  readonly error: string | null;
  send(body: string): void;
  typing(): void;
  loadEarlier(): void;
  endConversation(): void;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The device's side of a chat, on `ChatClient`: resumes the latest conversation that is not closed (a new one is
 * opened with the first message, not on every visit), shows its newest messages and the live ones, the agents'
 * typing and read receipts, marks the agents' messages read while the page is visible, and sends through the SDK's
 * queue (a message written offline goes out once, on reconnect).
 */
export function useWidgetChat(client: ChatClient): WidgetChat {
  const [connection, setConnection] = useState<WidgetConnection>({ kind: 'connecting' });
  const [conversation, setConversation] = useState<Conversation | null>(null);
  const [messages, setMessages] = useState<readonly Message[]>([]);
  const [pending, setPending] = useState<readonly PendingSend[]>([]);
  const [agentTyping, setAgentTyping] = useState(false);
  const [hasEarlier, setHasEarlier] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const conversationId = useRef<string | null>(null);
  const opening = useRef<Promise<string> | null>(null);
  const markedUpTo = useRef<string | null>(null);
  /** What is shown now, for the event handlers (state updates apply later). */
  const shown = useRef<readonly Message[]>(messages);
  shown.current = messages;

  const refreshPending = useCallback(() => {
    const id = conversationId.current;
    setPending(id ? client.pendingSends.filter((p) => p.conversationId === id) : []);
  }, [client]);

  /** The conversation and its newest page, merged with what is shown (at start, and after a lost session). */
  const readNewest = useCallback(
    async (id: string, first: boolean) => {
      try {
        const [current, page] = await Promise.all([client.conversation(id), client.messages(id, { limit: PAGE_SIZE })]);
        if (conversationId.current !== id) return;
        setConversation(current);
        if (first) setHasEarlier(page.has_more);
        setMessages((current) => mergeMessages(current, page.data));
      } catch (failure) {
        setError(`Could not load the messages: ${describe(failure)}`);
      }
    },
    [client],
  );

  const adopt = useCallback(
    (found: Conversation) => {
      if (conversationId.current === found.id) return;
      conversationId.current = found.id;
      setConversation(found);
      setMessages([]);
      void client.join(found.id).catch(() => {});
      void readNewest(found.id, true);
      refreshPending();
    },
    [client, readNewest, refreshPending],
  );

  useEffect(() => {
    let typingTimer: ReturnType<typeof setTimeout> | undefined;
    const ours = (id: string) => id === conversationId.current;
    const offs = [
      client.on('connect', ({ recovered }) => {
        setConnection({ kind: 'connected' });
        const id = conversationId.current;
        // A session that was not recovered missed the conversation's changes: read it again (the SDK fills the messages).
        if (id && !recovered) void readNewest(id, false);
        refreshPending();
      }),
      client.on('disconnect', () => setConnection((c) => (c.kind === 'shutdown' ? c : { kind: 'reconnecting' }))),
      client.on('reconnecting', () => setConnection((c) => (c.kind === 'shutdown' ? c : { kind: 'reconnecting' }))),
      client.on('server:shutdown', () => setConnection({ kind: 'shutdown' })),
      client.on('failed', (cause) => setConnection({ kind: 'failed', message: cause.message })),
      client.on('unauthorized', ({ code }) => setConnection({ kind: 'failed', message: `the app's key was refused (${code})` })),
      client.on('conversation:joined', ({ conversation_id }) => {
        // The gateway joins the device's latest conversation: one opened in another tab is adopted here too.
        if (conversationId.current === null) void client.conversation(conversation_id).then(adopt, () => {});
      }),
      client.on('message:new', (message) => {
        if (!ours(message.conversation_id)) return;
        setMessages((current) => mergeMessages(current, [message]));
        if (message.sender === 'agent') setAgentTyping(false);
        refreshPending();
      }),
      client.on('message:status', (status) => {
        if (!ours(status.conversation_id) || status.reader !== 'agent') return;
        // A marker on a message not shown yet (or long gone): the newest page carries the statuses.
        if (!shown.current.some((m) => m.id === status.message_id)) return void readNewest(status.conversation_id, false);
        setMessages((current) => readByAgents(current, status.message_id) ?? current);
      }),
      client.on('agent:typing', ({ conversation_id, is_typing }) => {
        if (!ours(conversation_id)) return;
        clearTimeout(typingTimer);
        setAgentTyping(is_typing);
        if (is_typing) typingTimer = setTimeout(() => setAgentTyping(false), TYPING_STALE_MS);
      }),
      client.on('conversation:updated', (updated) => {
        if (ours(updated.id)) setConversation(updated);
      }),
      client.on('send:failed', (failure) => {
        setError(`A message could not be sent (${failure.code}): ${failure.message}`);
        refreshPending();
      }),
    ];
    client.connect();
    client.latestConversation().then(
      (latest) => latest && adopt(latest),
      (failure: unknown) => setError(`Could not load the conversation: ${describe(failure)}`),
    );
    return () => {
      clearTimeout(typingTimer);
      for (const off of offs) off();
      void client.close();
    };
  }, [client, adopt, readNewest, refreshPending]);

  // The agents' newest message is read once the customer can see it (the page is visible).
  useEffect(() => {
    const markRead = () => {
      const id = conversationId.current;
      const newest = newestFromAgents(messages);
      if (!id || !newest || newest.id === markedUpTo.current || document.visibilityState !== 'visible') return;
      markedUpTo.current = newest.id;
      client.markRead(id, newest.id).catch(() => {
        markedUpTo.current = null;
      });
    };
    markRead();
    document.addEventListener('visibilitychange', markRead);
    return () => document.removeEventListener('visibilitychange', markRead);
  }, [client, messages]);

  const conversationForSend = useCallback((): Promise<string> => {
    const id = conversationId.current;
    if (id) return Promise.resolve(id);
    opening.current ??= client.openConversation().then(
      (opened) => {
        adopt(opened);
        return opened.id;
      },
      (failure: unknown) => {
        opening.current = null;
        throw failure;
      },
    );
    return opening.current;
  }, [client, adopt]);

  const send = useCallback(
    (body: string) => {
      setError(null);
      conversationForSend().then(
        (id) => {
          client.send(id, body).then(refreshPending, refreshPending);
          refreshPending();
        },
        (failure: unknown) => setError(`Could not start the conversation: ${describe(failure)}`),
      );
    },
    [client, conversationForSend, refreshPending],
  );

  const typing = useCallback(() => {
    const id = conversationId.current;
    if (id) client.typing(id);
  }, [client]);

  const loadEarlier = useCallback(() => {
    const id = conversationId.current;
    const first = messages[0];
    if (!id || !first) return;
    client.messages(id, { before: first.id, limit: PAGE_SIZE }).then(
      (page) => {
        setHasEarlier(page.has_more);
        setMessages((current) => mergeMessages(current, page.data));
      },
      (failure: unknown) => setError(`Could not load earlier messages: ${describe(failure)}`),
    );
  }, [client, messages]);

  const endConversation = useCallback(() => {
    const id = conversationId.current;
    if (!id) return;
    client.closeConversation(id).then(setConversation, (failure: unknown) => setError(`Could not end the conversation: ${describe(failure)}`));
  }, [client]);

  const shownLocalIds = new Set(messages.map((m) => m.local_id));
  return {
    connection,
    conversation,
    messages,
    pending: pending.filter((p) => !shownLocalIds.has(p.localId)),
    agentTyping,
    hasEarlier,
    error,
    send,
    typing,
    loadEarlier,
    endConversation,
  };
}
