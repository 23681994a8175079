import type { PendingSend } from '@switchboard/client';
import type { Message } from '@switchboard/protocol';
import { receiptOf } from './message-model.js';

export interface MessageListProps {
  readonly messages: readonly Message[];
  /** Own sends not yet acknowledged, shown after the messages. */
  readonly pending: readonly PendingSend[];
  readonly offline: boolean;
  /** The reader's side: its messages carry a receipt, its pending sends are shown as from it. */
  readonly own: 'agent' | 'user';
  readonly senderLabel: (message: Message) => string;
  readonly timeOf: (iso: string) => string;
}

/** A conversation's messages as a log (announced as they arrive), for the console and the widget alike. */
export function MessageList({ messages, pending, offline, own, senderLabel, timeOf }: MessageListProps) {
  return (
    <div role="log" aria-label="Messages" aria-live="polite">
      <ol>
        {messages.map((message) => (
          <li key={message.id} class={`message from-${message.sender}`} data-seq={message.seq}>
            <span class="sender">{senderLabel(message)}</span>
            <p class="body">{message.body}</p>
            <span class="details">
              <time dateTime={message.created_at}>{timeOf(message.created_at)}</time>
              {message.sender === own && <span class="receipt">{receiptOf(message)}</span>}
            </span>
          </li>
        ))}
        {pending.map((send) => (
          <li key={send.localId} class={`message from-${own} pending`}>
            <span class="sender">You</span>
            <p class="body">{send.body}</p>
            <span class="details">
              <span class="receipt">{offline ? 'Waiting for the connection' : 'Sending…'}</span>
            </span>
          </li>
        ))}
      </ol>
    </div>
  );
}
