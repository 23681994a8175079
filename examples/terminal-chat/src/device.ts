import { ChatClient } from '@switchboard/client';
import { announceConnection } from './connection-notices.js';
import { tokenSubject } from './credentials.js';
import { conversationState, messageLine, short } from './format.js';
import type { Terminal } from './terminal.js';
import { Transcript } from './transcript.js';

type Message = Awaited<ReturnType<ChatClient['send']>>;

export interface DeviceChatOptions {
  readonly url: string;
  readonly apiUrl: string;
  readonly appId: string;
  readonly apiKey: string;
  readonly deviceId: string;
  /** Signs the device in as the user this token names; anonymous without. */
  readonly userToken?: string | undefined;
  readonly history: number;
  readonly terminal: Terminal;
  exit(code: number): void;
}

/**
 * A customer's device at a terminal: resumes its latest conversation (the gateway joins it on connect) with its
 * history, or opens one with the first message. With a user token it acts as that user: the user's latest
 * conversation, from whichever device it was opened on. The token is given once: this demo cannot fetch a new one,
 * so it stops when the token expires (an app's `getUserToken` would ask its backend). Shows the conversation's status
 * and unread count when it is joined, on `/status` and whenever an agent changes it (`conversation:updated`); marks
 * the agents' messages it shows read; `/close` closes the conversation (the next message reopens it).
 */
export function startDeviceChat(options: DeviceChatOptions): void {
  const { terminal, deviceId, userToken } = options;
  const say = terminal.say;
  const chat = new ChatClient({
    url: options.url,
    apiUrl: options.apiUrl,
    appId: options.appId,
    deviceId,
    apiKey: options.apiKey,
    ...(userToken ? { getUserToken: () => userToken } : {}),
  });
  const user = userToken ? (tokenSubject(userToken) ?? 'unknown') : undefined;
  let conversationId: string | undefined;
  const transcript = new Transcript<Message>((m) => {
    say(messageLine(m, 'user'));
    if (m.sender !== 'user' && m.conversation_id === conversationId) {
      chat.markRead(m.conversation_id, m.id).catch((error: Error) => say(`* could not mark it read: ${error.message}`));
    }
  });
  const showState = async (id: string) => say(`* conversation ${short(id)}: ${conversationState(await chat.conversation(id))}`);

  chat.on('conversation:joined', (joined) => {
    if (conversationId === joined.conversation_id) return;
    conversationId = joined.conversation_id;
    const id = joined.conversation_id;
    if (options.history === 0 || joined.last_message_id === null) {
      showState(id).catch((error: Error) => say(`* could not read the conversation: ${error.message}`));
      return;
    }
    // Its state (what is unread) first, then the history, which marks it read; live messages wait for both.
    transcript
      .history(id, async () => {
        await showState(id);
        return (await chat.messages(id, { limit: options.history })).data;
      })
      .catch((error: Error) => say(`* could not load the history: ${error.message}`));
  });
  chat.on('conversation:updated', (c) => c.id === conversationId && say(`* the conversation is now ${conversationState(c)}`));
  chat.on('message:new', (m) => transcript.live(m));
  chat.on('agent:typing', (t) => t.conversation_id === conversationId && say(`* the agent ${t.is_typing ? 'is typing…' : 'stopped typing'}`));
  chat.on('server:shutdown', (s) => say(`* the gateway is shutting down; reconnecting in about ${Math.round(s.reconnect_delay_ms / 1000)} s`));
  announceConnection(chat, options.url, say, {
    connected: `* connected as ${user !== undefined ? `user "${user}" on ` : ''}device "${deviceId}"; type a message and press enter`,
    refused(code) {
      say(`* refused: ${code} (check APP_ID and API_KEY${userToken ? ', and the user token' : ''})`);
      options.exit(1);
    },
  });
  // With one fixed token, a failure to get a new one means it expired (or was refused as expired): sign in again.
  chat.on('token:error', (error) => {
    if (error.code !== 'TOKEN_UNAVAILABLE') return;
    say('* the user token expired: start again with a new --user-token');
    void chat.close().then(() => options.exit(1));
  });
  chat.connect();

  terminal.onTyping(() => {
    if (conversationId) chat.typing(conversationId);
  });
  const command = async (line: '/status' | '/close') => {
    if (!conversationId) return say('* no conversation yet: the first message opens one');
    // The close comes back as `conversation:updated` (the device is in the conversation's room): shown there.
    if (line === '/close') await chat.closeConversation(conversationId);
    else await showState(conversationId);
  };
  terminal.onLine(async (text) => {
    const line = text.trim();
    if (!line) return terminal.prompt();
    if (line === '/status' || line === '/close') {
      await command(line).catch((error: Error) => say(`* ${line} failed: ${error.message}`));
      return terminal.prompt();
    }
    try {
      if (!conversationId) {
        const opened = (await chat.openConversation()).id;
        await chat.join(opened);
        conversationId = opened;
      }
      await chat.send(conversationId, text);
    } catch (error) {
      say(`* not sent: ${(error as Error).message}`);
    }
    terminal.prompt();
  });
  terminal.onClose(() => {
    chat.close();
    options.exit(0);
  });
}
