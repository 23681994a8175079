import { useState } from 'preact/hooks';
import type { ConversationChanges } from '@switchboard/client';
import type { Conversation } from '@switchboard/protocol';

/** How long "Snooze" puts a conversation aside. */
const SNOOZE_MS = 60 * 60_000;

export interface ConversationActionsProps {
  readonly conversation: Conversation;
  readonly agentId: string | null;
  readonly onUpdate: (changes: ConversationChanges) => Promise<void>;
}

/** Close, snooze, reopen and assign: each a `conversation:update` on the admin socket. */
export function ConversationActions({ conversation, agentId, onUpdate }: ConversationActionsProps) {
  const [busy, setBusy] = useState(false);
  const [assignee, setAssignee] = useState('');
  const run = (changes: ConversationChanges) => {
    setBusy(true);
    void onUpdate(changes).finally(() => setBusy(false));
  };
  const { status, assignee_id: assigned } = conversation;
  return (
    <div class="actions" role="group" aria-label="Conversation actions">
      {status !== 'closed' && (
        <button type="button" disabled={busy} onClick={() => run({ status: 'closed' })}>
          Close
        </button>
      )}
      {status !== 'open' && (
        <button type="button" disabled={busy} onClick={() => run({ status: 'open' })}>
          Reopen
        </button>
      )}
      {status !== 'snoozed' && (
        <button type="button" disabled={busy} onClick={() => run({ status: 'snoozed', snoozed_until: new Date(Date.now() + SNOOZE_MS) })}>
          Snooze 1 hour
        </button>
      )}
      {agentId && assigned !== agentId && (
        <button type="button" disabled={busy} onClick={() => run({ assignee_id: agentId })}>
          Assign to me
        </button>
      )}
      {assigned && (
        <button type="button" disabled={busy} onClick={() => run({ assignee_id: null })}>
          Unassign
        </button>
      )}
      <form
        class="assign"
        onSubmit={(event) => {
          event.preventDefault();
          if (!assignee.trim()) return;
          run({ assignee_id: assignee.trim() });
          setAssignee('');
        }}
      >
        <label for="assign-to">Assign to agent</label>
        <input id="assign-to" value={assignee} placeholder="agent id" maxLength={128} onInput={(event) => setAssignee(event.currentTarget.value)} />
        <button type="submit" disabled={busy || !assignee.trim()}>
          Assign
        </button>
      </form>
    </div>
  );
}
