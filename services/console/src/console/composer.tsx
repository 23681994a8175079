import { useState } from 'preact/hooks';

export interface ComposerProps {
  readonly onSend: (body: string) => void;
  readonly onTyping: () => void;
  readonly disabled: boolean;
}

/** The reply box: Enter sends (Shift+Enter for a new line); each keystroke tells the customer the agent is typing. */
export function Composer({ onSend, onTyping, disabled }: ComposerProps) {
  const [body, setBody] = useState('');
  const submit = () => {
    if (!body.trim()) return;
    onSend(body);
    setBody('');
  };
  return (
    <form
      class="composer"
      aria-label="Reply"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <label for="reply-body" class="visually-hidden">
        Message
      </label>
      <textarea
        id="reply-body"
        rows={2}
        maxLength={10_000}
        placeholder="Write a reply…"
        disabled={disabled}
        value={body}
        onInput={(event) => {
          setBody(event.currentTarget.value);
          onTyping();
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey) {
            event.preventDefault();
            submit();
          }
        }}
      />
      <button type="submit" disabled={disabled || !body.trim()}>
        Send
      </button>
    </form>
  );
}
