import { AgentClient, type ConversationFilters } from '@switchboard/client';
import { parseAgentCommand } from './agent-commands.js';
import { announceConnection } from './connection-notices.js';
import { conversationState, messageLine, short } from './format.js';
import type { Terminal } from './terminal.js';
import { Transcript } from './transcript.js';

type Message = Awaited<ReturnType<AgentClient['send']>>;
type Conversation = Awaited<ReturnType<AgentClient['conversations']>>['data'][number];

/** Conversations shown by /list: the newest. */
const LIST_SIZE = 10;

export interface AgentChatOptions {
  readonly url: string;
  readonly apiUrl: string;
  readonly appId: string;
  readonly adminToken: string;
  readonly history: number;
  readonly terminal: Terminal;
  /** Ends the process (refused credentials, input closed). */
  exit(code: number): void;
}

/**
 * An agent at a terminal: sees every conversation of the app, views one at a time (joined, so the user's typing
 * shows; what the user wrote there is marked read), starting with the latest and its history, and follows the
 * conversation whose user last wrote. Shows each conversation's status and unread count (on /list, when viewed, on
 * /status and whenever `conversation:updated` arrives), and closes, reopens, snoozes and assigns the one viewed.
 */
export function startAgentChat(options: AgentChatOptions): void {
  const { terminal } = options;
  const say = terminal.say;
  const agent = new AgentClient({ url: options.url, apiUrl: options.apiUrl, appId: options.appId, adminToken: options.adminToken });
  const transcript = new Transcript<Message>((m) => {
    say(`${short(m.conversation_id)} ${messageLine(m, 'agent')}`);
    // Shown in the conversation being viewed: read (the marker only moves forward, so the order of calls is moot).
    if (m.sender === 'user' && m.conversation_id === viewing) {
      agent.markRead(m.conversation_id, m.id).catch((error: Error) => say(`* could not mark it read: ${error.message}`));
    }
  });
  let viewing: string | undefined;
  let recent: Conversation[] = [];

  const view = async (conversationId: string, why: string) => {
    if (viewing === conversationId) return;
    const previous = viewing;
    viewing = conversationId;
    if (previous) agent.leave(previous);
    try {
      const [conversation] = await Promise.all([agent.conversation(conversationId), agent.join(conversationId)]);
      // Another conversation was chosen while this one was being joined.
      if (viewing !== conversationId) return agent.leave(conversationId);
      say(`* viewing conversation ${short(conversationId)} (${why}): ${conversationState(conversation)}; type to answer`);
      const shown = await transcript.history(conversationId, async () =>
        options.history > 0 ? (await agent.messages(conversationId, { limit: options.history })).data : [],
      );
      if (shown === 0 && options.history > 0) say('* (no messages yet)');
    } catch (error) {
      say(`* could not open ${short(conversationId)}: ${(error as Error).message}`);
    }
  };

  const list = async (filters: ConversationFilters = {}) => {
    recent = (await agent.conversations({ ...filters, limit: LIST_SIZE })).data;
    if (recent.length === 0) return say(Object.keys(filters).length > 0 ? '* no such conversations' : '* no conversations yet');
    for (const c of recent) {
      const assigned = c.assignee_id ? `  assigned to ${c.assignee_id}` : '';
      say(`*   ${short(c.id)}  ${c.status.padEnd(7)} ${String(c.unread_count).padStart(3)} unread  device ${c.device_id}${assigned}${c.id === viewing ? '  (viewing)' : ''}`);
    }
  };

  /** Runs a `/` command: the list, a view, or a change of the conversation being viewed. */
  const command = async (line: string) => {
    const parsed = parseAgentCommand(line, Date.now());
    if (!parsed) return;
    switch (parsed.kind) {
      case 'usage':
        return say(`* ${parsed.message}`);
      case 'list':
        return list(parsed.filters);
      case 'view':
        return view(recent.find((c) => c.id === parsed.target || c.id.endsWith(parsed.target))?.id ?? parsed.target, 'chosen');
    }
    if (!viewing) return say('* no conversation viewed: /list, then /view ID');
    const id = viewing;
    if (parsed.kind === 'status') return say(`* ${short(id)}: ${conversationState(await agent.conversation(id))}`);
    // The change comes back to every agent as `conversation:updated`, this one included: shown there.
    await agent.updateConversation(id, parsed.changes);
  };

  agent.on('message:new', (m) => {
    transcript.live(m);
    if (m.sender === 'user' && m.conversation_id !== viewing) void view(m.conversation_id, 'it just wrote');
  });
  agent.on('user:typing', (t) => {
    if (t.conversation_id === viewing) say(`* ${t.device_id} ${t.is_typing ? 'is typing…' : 'stopped typing'}`);
  });
  agent.on('conversation:updated', (c) => say(`* ${short(c.id)} is now ${conversationState(c)}`));
  agent.on('presence:change', (p) => say(`* ${p.device_id} is ${p.is_online ? 'online' : 'offline'}`));
  agent.on('server:shutdown', (s) => say(`* the gateway is shutting down; reconnecting in about ${Math.round(s.reconnect_delay_ms / 1000)} s`));
  announceConnection(agent, options.url, say, {
    connected: '* connected as an agent',
    refused(code) {
      say(`* refused: ${code} (check APP_ID and ADMIN_TOKEN)`);
      options.exit(1);
    },
  });
  agent.on('connect', () => {
    if (viewing) return;
    // The latest conversation (newest activity first) and its history.
    agent
      .conversations({ limit: 1 })
      .then((page) => (page.data[0] ? view(page.data[0].id, 'the latest') : say('* no conversations yet: waiting for a user to write')))
      .catch((error: Error) => say(`* could not list conversations: ${error.message}`));
  });
  agent.connect();

  terminal.onTyping(() => {
    if (viewing) agent.typing(viewing);
  });
  terminal.onLine((text) => {
    const line = text.trim();
    if (!line) return terminal.prompt();
    if (line.startsWith('/')) {
      command(line).catch((error: Error & { code?: string }) => say(`* ${line} failed: ${error.code ? `${error.code}: ` : ''}${error.message}`));
    } else if (!viewing) {
      say('* nobody to answer yet');
    } else {
      agent.send(viewing, text).catch((error: Error) => say(`* not sent: ${error.message}`));
    }
    terminal.prompt();
  });
  terminal.onClose(() => {
    agent.close();
    options.exit(0);
  });
}
