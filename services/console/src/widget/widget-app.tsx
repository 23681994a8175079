import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatClient } from '@switchboard/client';
import type { Message } from '@switchboard/protocol';
import { MessageList } from '../shared/message-list.js';
import { connectionText } from './connection-status.js';
import { useWidgetChat } from './use-widget-chat.js';

const senderLabel = (message: Message): string =>
  message.sender === 'user' ? 'You' : message.sender === 'system' ? 'System' : (message.sender_name ?? 'Support');

const timeOf = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** The customer's chat: one conversation, its messages as a log, the agents' typing, a composer. */
export function WidgetApp({ client }: { readonly client: ChatClient }) {
  const chat = useWidgetChat(client);
  const [draft, setDraft] = useState('');
  const thread = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const box = thread.current;
    if (box) box.scrollTop = box.scrollHeight;
  }, [chat.messages.length, chat.pending.length, chat.agentTyping]);

  const submit = (event: Event) => {
    event.preventDefault();
    const body = draft.trim();
    if (!body) return;
    chat.send(body);
    setDraft('');
  };
  const offline = chat.connection.kind !== 'connected';
  const closed = chat.conversation?.status === 'closed';

  return (
    <main class="widget" aria-labelledby="widget-title">
      <header class="widget-header">
        <h1 id="widget-title">Chat with us</h1>
        <p role="status" aria-label="Connection" class={`connection connection-${chat.connection.kind}`}>
          {connectionText(chat.connection)}
        </p>
      </header>
      <div class="thread" ref={thread}>
        {chat.hasEarlier && (
          <button type="button" class="load-earlier" onClick={chat.loadEarlier}>
            Load earlier messages
          </button>
        )}
        {chat.messages.length === 0 && chat.pending.length === 0 && <p class="empty">Ask us anything: we usually answer within minutes.</p>}
        <MessageList messages={chat.messages} pending={chat.pending} offline={offline} own="user" senderLabel={senderLabel} timeOf={timeOf} />
      </div>
      <p class="typing" role="status" aria-label="Typing">
        {chat.agentTyping ? 'Support is typing…' : ''}
      </p>
      {closed && <p class="closed-note">This conversation is closed. Write to us to open it again.</p>}
      {chat.error && (
        <p role="alert" class="problem">
          {chat.error}
        </p>
      )}
      <form class="composer" onSubmit={submit}>
        <label for="widget-message">Message</label>
        <textarea
          id="widget-message"
          rows={2}
          value={draft}
          placeholder="Write a message…"
          onInput={(event) => {
            setDraft((event.target as HTMLTextAreaElement).value);
            chat.typing();
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey) submit(event);
          }}
        />
        <div class="actions">
          {chat.conversation && !closed && (
            <button type="button" class="end" onClick={chat.endConversation}>
              End conversation
            </button>
          )}
          <button type="submit" disabled={draft.trim() === ''}>
            Send
          </button>
        </div>
      </form>
    </main>
  );
}
