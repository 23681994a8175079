import { memo } from 'preact/compat';
import type { Conversation } from '@switchboard/protocol';
import { Time } from '../shared/time.js';
import type { AssigneeFilter, InboxFilters, StatusFilter } from './inbox-model.js';
import type { Inbox } from './use-inbox.js';

export interface InboxPanelProps {
  readonly inbox: Inbox;
  readonly filters: InboxFilters;
  readonly onFilters: (filters: InboxFilters) => void;
  /** The signed-in agent's id; `null` with the admin token (no "Mine" filter then). */
  readonly agentId: string | null;
  readonly online: ReadonlyMap<string, boolean>;
  readonly openId: string | null;
  readonly onOpen: (conversationId: string) => void;
}

const STATUSES: readonly [StatusFilter, string][] = [
  ['open', 'Open'],
  ['snoozed', 'Snoozed'],
  ['closed', 'Closed'],
];

/** The conversations, newest activity first, with their status, assignee, unread count and device presence. */
export function InboxPanel({ inbox, filters, onFilters, agentId, online, openId, onOpen }: InboxPanelProps) {
  const assignees: [AssigneeFilter, string][] = [['all', 'Everyone'], ...(agentId ? [['mine', 'Mine'] as [AssigneeFilter, string]] : []), ['unassigned', 'Unassigned']];
  const count = inbox.conversations.length;
  return (
    <section class="inbox" aria-labelledby="inbox-title">
      <h2 id="inbox-title">Inbox</h2>
      <div class="filters">
        <fieldset>
          <legend>Status</legend>
          {STATUSES.map(([value, label]) => (
            <label key={value}>
              <input type="radio" name="status" value={value} checked={filters.status === value} onChange={() => onFilters({ ...filters, status: value })} />
              {label}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Assignee</legend>
          {assignees.map(([value, label]) => (
            <label key={value}>
              <input type="radio" name="assignee" value={value} checked={filters.assignee === value} onChange={() => onFilters({ ...filters, assignee: value })} />
              {label}
            </label>
          ))}
        </fieldset>
      </div>
      <p class="count" aria-live="polite">
        {inbox.loading && count === 0 ? 'Loading conversations…' : `${count} conversation${count === 1 ? '' : 's'}${inbox.hasMore ? ' shown' : ''}`}
      </p>
      {inbox.error && (
        <p role="alert" class="problem">
          {inbox.error}
        </p>
      )}
      <ul class="conversation-list" aria-label="Conversations">
        {inbox.conversations.map((conversation) => (
          <ConversationRow
            key={conversation.id}
            conversation={conversation}
            online={online.get(conversation.device_id) ?? false}
            current={conversation.id === openId}
            onOpen={onOpen}
          />
        ))}
      </ul>
      {inbox.hasMore && (
        <button type="button" class="load-more" disabled={inbox.loading} onClick={inbox.loadMore}>
          {inbox.loading ? 'Loading…' : 'Load more conversations'}
        </button>
      )}
    </section>
  );
}

interface RowProps {
  readonly conversation: Conversation;
  readonly online: boolean;
  readonly current: boolean;
  readonly onOpen: (conversationId: string) => void;
}

/** A row renders again only when its conversation, presence or selection changed: 500 rows stay cheap. */
const ConversationRow = memo(function ConversationRow({ conversation, online, current, onOpen }: RowProps) {
  const unread = conversation.unread_count;
  return (
    <li>
      <button type="button" class="conversation-row" aria-current={current ? 'true' : undefined} onClick={() => onOpen(conversation.id)}>
        <span class="who">
          <span class={`presence ${online ? 'online' : 'offline'}`}>{online ? 'online' : 'offline'}</span>
          <strong>{conversation.user_id ?? conversation.device_id}</strong>
        </span>
        <span class="meta">
          <span class={`status status-${conversation.status}`}>{conversation.status}</span>
          <span class="assignee">{conversation.assignee_id ? `assigned to ${conversation.assignee_id}` : 'unassigned'}</span>
          {unread > 0 && <span class="unread">{unread} unread</span>}
          <Time iso={conversation.last_message_at ?? conversation.created_at} />
        </span>
      </button>
    </li>
  );
});
