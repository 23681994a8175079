import { useLayoutEffect, useRef } from 'preact/hooks';
import type { PendingSend } from '@switchboard/client';
import type { Message } from '@switchboard/protocol';
import { MessageList } from '../shared/message-list.js';
import { useTimeFormat } from '../shared/time.js';

export interface TimelineProps {
  readonly messages: readonly Message[];
  readonly pending: readonly PendingSend[];
  readonly hasEarlier: boolean;
  readonly loadingEarlier: boolean;
  readonly onLoadEarlier: () => void;
  readonly offline: boolean;
}

/** Scrolled this close to the top, the next older page is read. */
const SCROLL_BACK_THRESHOLD_PX = 40;

const senderLabel = (message: Message): string =>
  message.sender === 'user' ? 'Customer' : message.sender === 'system' ? 'System' : (message.sender_name ?? 'Agent');

/**
 * The conversation's messages, oldest first, as a log (announced as they arrive). Scrolling to the top (or the
 * button there) reads the page before the first message shown, keeping the reader's place; a new message scrolls
 * to the bottom only when the reader was there already.
 */
export function Timeline({ messages, pending, hasEarlier, loadingEarlier, onLoadEarlier, offline }: TimelineProps) {
  const timeOf = useTimeFormat();
  const scroller = useRef<HTMLDivElement>(null);
  const previous = useRef({ first: undefined as string | undefined, height: 0, atBottom: true });

  useLayoutEffect(() => {
    const box = scroller.current;
    if (!box) return;
    const first = messages[0]?.id;
    const before = previous.current;
    if (before.first !== undefined && first !== before.first && box.scrollHeight > before.height) {
      // Older messages came in above: keep the same message under the reader's eyes.
      box.scrollTop += box.scrollHeight - before.height;
    } else if (before.atBottom) {
      box.scrollTop = box.scrollHeight;
    }
    previous.current = { first, height: box.scrollHeight, atBottom: before.atBottom };
  }, [messages, pending]);

  const onScroll = () => {
    const box = scroller.current;
    if (!box) return;
    previous.current.atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 24;
    if (box.scrollTop < SCROLL_BACK_THRESHOLD_PX && hasEarlier && !loadingEarlier) onLoadEarlier();
  };

  return (
    <div class="timeline" ref={scroller} onScroll={onScroll}>
      {hasEarlier ? (
        <button type="button" class="load-earlier" disabled={loadingEarlier} onClick={onLoadEarlier}>
          {loadingEarlier ? 'Loading earlier messages…' : 'Load earlier messages'}
        </button>
      ) : (
        messages.length > 0 && <p class="start">Start of the conversation</p>
      )}
      <MessageList messages={messages} pending={pending} offline={offline} own="agent" senderLabel={senderLabel} timeOf={timeOf} />
    </div>
  );
}
