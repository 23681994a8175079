import { AgentClient } from '@switchboard/client';
import { announceConnection } from './connection-notices.js';
import { messageLine, short } from './format.js';
import type { Terminal } from './terminal.js';
import { Transcript } from './transcript.js';

type Message = Awaited<ReturnType<AgentClient['send']>>;
type Conversation = Awaited<ReturnType<AgentClient['conversations']>>['data'][number];

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
 * shows), starting with the latest and its history, and follows the conversation whose user last wrote.
 */
export function startAgentChat(options: AgentChatOptions): void {
  const { terminal } = options;
  const say = terminal.say;
  const agent = new AgentClient({ url: options.url, apiUrl: options.apiUrl, appId: options.appId, adminToken: options.adminToken });
  const transcript = new Transcript<Message>((m) => say(`${short(m.conversation_id)} ${messageLine(m, 'agent')}`));
  let viewing: string | undefined;
  let recent: Conversation[] = [];

  const view = async (conversationId: string, why: string) => {
    if (viewing === conversationId) return;
    const previous = viewing;
    viewing = conversationId;
    if (previous) agent.leave(previous);
    try {
      await agent.join(conversationId);
      // Another conversation was chosen while this one was being joined.
      if (viewing !== conversationId) return agent.leave(conversationId);
      say(`* viewing conversation ${short(conversationId)} (${why}); type to answer`);
      const shown = await transcript.history(conversationId, async () =>
        options.history > 0 ? (await agent.messages(conversationId, { limit: options.history })).data : [],
      );
      if (shown === 0 && options.history > 0) say('* (no messages yet)');
    } catch (error) {
      say(`* could not open ${short(conversationId)}: ${(error as Error).message}`);
    }
  };

  const list = async () => {
    recent = (await agent.conversations({ limit: 10 })).data;
    if (recent.length === 0) return say('* no conversations yet');
    for (const c of recent) say(`*   ${short(c.id)}  ${c.status.padEnd(7)} device ${c.device_id}${c.id === viewing ? '  (viewing)' : ''}`);
  };

  agent.on('message:new', (m) => {
    transcript.live(m);
    if (m.sender === 'user' && m.conversation_id !== viewing) void view(m.conversation_id, 'it just wrote');
  });
  agent.on('user:typing', (t) => {
    if (t.conversation_id === viewing) say(`* ${t.device_id} ${t.is_typing ? 'is typing…' : 'stopped typing'}`);
  });
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
    if (line === '/list') {
      void list().catch((error: Error) => say(`* could not list conversations: ${error.message}`));
    } else if (line.startsWith('/view')) {
      const wanted = line.slice('/view'.length).trim();
      const match = wanted && (recent.find((c) => c.id === wanted || c.id.endsWith(wanted))?.id ?? wanted);
      if (!match) say('* usage: /view ID (the end of an id from /list is enough)');
      else void view(match, 'chosen');
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
