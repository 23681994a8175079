import { useCallback, useMemo, useState } from 'preact/hooks';
import type { AgentSignIn } from '@switchboard/client';
import type { ConsoleConfig } from '../shared/runtime-config.js';
import { ConnectionBanner } from './connection-banner.js';
import { ConversationPanel } from './conversation-panel.js';
import { InboxPanel } from './inbox-panel.js';
import type { InboxFilters } from './inbox-model.js';
import { SessionsPanel } from './sessions-panel.js';
import type { SignInSession } from './sign-in-session.js';
import { useAgentClient } from './use-agent-client.js';
import { useInbox } from './use-inbox.js';
import { useLiveSessions } from './use-live-sessions.js';

export interface WorkspaceProps {
  readonly config: ConsoleConfig;
  readonly signIn: AgentSignIn;
  readonly session: SignInSession;
  readonly onSignOut: (problem: string | null) => void;
}

type View = 'inbox' | 'sessions';

/** The signed-in console: the agent's client, the inbox and the open conversation, or the live sessions. */
export function Workspace({ config, signIn, session, onSignOut }: WorkspaceProps) {
  const { client, status } = useAgentClient(config, signIn, onSignOut);
  const [view, setView] = useState<View>('inbox');
  const [filters, setFilters] = useState<InboxFilters>({ status: 'open', assignee: 'all' });
  const [openId, setOpenId] = useState<string | null>(() => session.selected());
  const inbox = useInbox(client, filters, signIn.agentId, openId);
  const live = useLiveSessions(client);
  const open = useCallback(
    (id: string) => {
      setOpenId(id);
      session.select(id);
    },
    [session],
  );
  const who = useMemo(() => (signIn.kind === 'admin_token' ? 'the admin token' : (signIn.name ?? signIn.agentId)), [signIn]);

  return (
    <div class="workspace">
      <header class="top">
        <h1>Switchboard console</h1>
        <p class="identity">
          App <code>{signIn.appId}</code>, signed in with {who}
        </p>
        <nav aria-label="Views">
          <button type="button" aria-pressed={view === 'inbox'} onClick={() => setView('inbox')}>
            Inbox
          </button>
          <button type="button" aria-pressed={view === 'sessions'} onClick={() => setView('sessions')}>
            Live sessions ({live.sessions.length})
          </button>
        </nav>
        <button type="button" class="sign-out" onClick={() => onSignOut(null)}>
          Sign out
        </button>
      </header>
      <ConnectionBanner status={status} />
      <main>
        {view === 'inbox' ? (
          <div class="inbox-layout">
            <InboxPanel
              inbox={inbox}
              filters={filters}
              onFilters={setFilters}
              agentId={signIn.agentId}
              online={live.online}
              openId={openId}
              onOpen={open}
            />
            {openId ? (
              <ConversationPanel
                key={openId}
                client={client}
                conversationId={openId}
                agentId={signIn.agentId}
                online={live.online}
                connected={status.kind === 'connected'}
                onRead={inbox.markedRead}
              />
            ) : (
              <section class="conversation empty" aria-label="Conversation">
                <p>Choose a conversation in the inbox.</p>
              </section>
            )}
          </div>
        ) : (
          <SessionsPanel sessions={live.sessions} error={live.error} />
        )}
      </main>
    </div>
  );
}
