import { ChatClient } from '@switchboard/client';
import { announceConnection } from './connection-notices.js';
import { tokenSubject } from './credentials.js';
import { messageLine } from './format.js';
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
 * so it stops when the token expires (an app's `getUserToken` would ask its backend).
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
  const transcript = new Transcript<Message>((m) => say(messageLine(m, 'user')));
  let conversationId: string | undefined;

  chat.on('conversation:joined', (joined) => {
    if (conversationId === joined.conversation_id) return;
    conversationId = joined.conversation_id;
    if (options.history === 0 || joined.last_message_id === null) return;
    transcript
      .history(joined.conversation_id, async () => (await chat.messages(joined.conversation_id, { limit: options.history })).data)
      .catch((error: Error) => say(`* could not load the history: ${error.message}`));
  });
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
  terminal.onLine(async (text) => {
    if (!text.trim()) return terminal.prompt();
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
