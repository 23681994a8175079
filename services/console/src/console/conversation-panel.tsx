import type { AgentClient } from '@switchboard/client';
import { Time } from '../shared/time.js';
import { Composer } from './composer.js';
import { ConversationActions } from './conversation-actions.js';
import { Timeline } from './timeline.js';
import { useConversation } from './use-conversation.js';

export interface ConversationPanelProps {
  readonly client: AgentClient;
  readonly conversationId: string;
  readonly agentId: string | null;
  readonly online: ReadonlyMap<string, boolean>;
  readonly connected: boolean;
  readonly onRead: (conversationId: string) => void;
}

/** One conversation: who and where it stands, its messages, the customer typing, the reply box and the actions. */
export function ConversationPanel({ client, conversationId, agentId, online, connected, onRead }: ConversationPanelProps) {
  const open = useConversation(client, conversationId, onRead);
  const { conversation } = open;
  const who = conversation ? (conversation.user_id ?? conversation.device_id) : '…';
  const isOnline = conversation ? (online.get(conversation.device_id) ?? false) : false;
  return (
    <section class="conversation" aria-labelledby="conversation-title">
      <header class="conversation-header">
        <h2 id="conversation-title">Conversation with {who}</h2>
        {conversation && (
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              {conversation.status}
              {conversation.status === 'snoozed' && conversation.snoozed_until && (
                <>
                  {' until '}
                  <Time iso={conversation.snoozed_until} />
                </>
              )}
            </dd>
            <dt>Assignee</dt>
            <dd>{conversation.assignee_id ?? 'nobody'}</dd>
            <dt>Device</dt>
            <dd>
              {conversation.device_id} ({isOnline ? 'online' : 'offline'})
            </dd>
          </dl>
        )}
        {conversation && <ConversationActions conversation={conversation} agentId={agentId} onUpdate={open.update} />}
      </header>
      {open.error && (
        <p role="alert" class="problem">
          {open.error}
        </p>
      )}
      <Timeline
        messages={open.messages}
        pending={open.pending}
        hasEarlier={open.hasEarlier}
        loadingEarlier={open.loadingEarlier}
        onLoadEarlier={() => void open.loadEarlier()}
        offline={!connected}
      />
      <p class="typing" role="status" aria-label="Customer typing">
        {open.customerTyping ? 'Customer is typing…' : ''}
      </p>
      <Composer onSend={open.send} onTyping={open.typing} disabled={false} />
    </section>
  );
}
