/**
 * An app outside the repository, on the packed SDK: a device and an agent talk through a running gateway.
 * Compiled by the test with the installed packages' own types (no access to the workspace), then run with Node.
 * Prints one JSON line for the test to check.
 */
import { AgentClient, ChatClient } from '@switchboard/client';
import type { Conversation, Message } from '@switchboard/protocol';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function within<T>(promise: Promise<T>, what: string, ms = 15_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

type Subscribe<T> = (listener: (value: T) => void) => () => void;

/** Resolves with the first message with this body that arrives as `message:new`. */
function nextMessage(subscribe: Subscribe<Message>, body: string): Promise<Message> {
  return new Promise((resolve) => {
    const off = subscribe((message) => {
      if (message.body !== body) return;
      off();
      resolve(message);
    });
  });
}

function once(subscribe: Subscribe<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const off = subscribe(() => {
      off();
      resolve();
    });
  });
}

// The packages' types are real, not `any` (skipLibCheck would hide an unresolved import in their .d.ts files):
// each of these lines must be a type error.
// @ts-expect-error a conversation id is a string
export const notAConversationId: Parameters<ChatClient['send']>[0] = 42;
// @ts-expect-error seq is a number
export const notASeq: Message['seq'] = 'one';
// @ts-expect-error the SDK's events carry the protocol's payloads: message:new is a Message, whose seq is a number
export const wrongListener = (chat: ChatClient) => chat.on('message:new', (message: { seq: string }) => void message);
// @ts-expect-error an agent has no device id option
export const notAnAgentOption: ConstructorParameters<typeof AgentClient>[0] = { url: '', appId: '', adminToken: '', deviceId: '' };
// @ts-expect-error the workflow's statuses are the protocol's
export const notAStatus = (agent: AgentClient) => agent.updateConversation('c', { status: 'pending' });
// The workflow's calls type-check against the packed protocol's types.
export const inbox = async (agent: AgentClient, chat: ChatClient): Promise<Conversation[]> => {
  const found: Conversation[] = [];
  for await (const c of agent.listConversations({ status: 'open', assignee: 'none', unread: true, limit: 50 })) found.push(c);
  chat.on('conversation:updated', (c) => found.push(c));
  return [...found, await agent.updateConversation('c', { status: 'snoozed', snoozed_until: new Date() }), await chat.closeConversation('c')];
};

const url = env('GATEWAY_URL');
const apiUrl = env('API_URL');
const appId = env('APP_ID');
const chat = new ChatClient({ url, apiUrl, appId, deviceId: 'packed-sdk-device', apiKey: env('API_KEY') });
const agent = new AgentClient({ url, apiUrl, appId, adminToken: env('ADMIN_TOKEN') });

try {
  const agentUp = once((listener) => agent.on('connect', listener));
  agent.connect();
  await within(agentUp, 'the agent to connect');
  const chatUp = once((listener) => chat.on('connect', listener));
  chat.connect();
  await within(chatUp, 'the device to connect');

  const conversation = await within(chat.openConversation(), 'openConversation');
  await within(chat.join(conversation.id), 'join');

  const question = 'hello from a packed SDK';
  const echoed = nextMessage((listener) => chat.on('message:new', listener), question);
  const agentSaw = nextMessage((listener) => agent.on('message:new', listener), question);
  const stored = await within(chat.send(conversation.id, question), 'send');
  const [echo, seen] = await within(Promise.all([echoed, agentSaw]), 'message:new of the question');

  const answer = 'hello, packed device';
  const answered = nextMessage((listener) => chat.on('message:new', listener), answer);
  await within(agent.send(conversation.id, answer), 'the agent send');
  const reply = await within(answered, 'message:new of the answer');

  console.log(
    JSON.stringify({
      conversation: conversation.id,
      stored: { id: stored.id, seq: stored.seq, sender: stored.sender },
      echo: echo.id,
      agentSaw: seen.id,
      reply: { body: reply.body, sender: reply.sender, seq: reply.seq },
    }),
  );
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  chat.close();
  agent.close();
}
