import { describe, expectTypeOf, it } from 'vitest';
import type { Conversation, ConversationPage, ConversationStatus, ErrorCode, Message, SessionInfo } from '@switchboard/protocol';
import { AgentClient } from './agent-client.js';
import { ChatClient } from './chat-client.js';
import type { ClientErrorCode, ConnectionErrorCode, RequestError, TokenError } from './errors.js';
import type { ClientLifecycleEvents } from './realtime-types.js';
import type { ApiError } from './rest.js';
import type { SendError } from './errors.js';

// Type tests: tsc checks this file (tsconfig.tests.json). Each `@ts-expect-error` fails the build if the check it
// marks stops being one: the SDK's socket and requests are typed with the protocol's event maps.
abstract class AgentProbe extends AgentClient {
  check(): void {
    expectTypeOf(this.request('sessions:list', { app_id: 'app_1' })).resolves.toExtend<{ sessions: SessionInfo[] }>();
    // @ts-expect-error a misspelt event name
    void this.request('sessions:lst', { app_id: 'app_1' });
    // @ts-expect-error a wrong payload
    void this.request('sessions:list', { conversation_id: 'conv_1' });
    // @ts-expect-error a wrong ack shape
    const wrongAck: Promise<{ session: SessionInfo[] }> = this.request('sessions:list', { app_id: 'app_1' });
    void wrongAck;
    this.socket.emit('typing:start', { conversation_id: 'conv_1' });
    // @ts-expect-error a misspelt event name on the socket
    this.socket.emit('typing:begin', { conversation_id: 'conv_1' });
    // @ts-expect-error a wrong payload on the socket
    this.socket.emit('conversation:leave', { conversation: 'conv_1' });
    expectTypeOf(this.request('conversation:update', { conversation_id: 'c', status: 'closed' })).resolves.toEqualTypeOf<{ conversation: Conversation }>();
    // @ts-expect-error a status the contract does not have
    void this.request('conversation:update', { conversation_id: 'c', status: 'pending' });
  }
}

abstract class ChatProbe extends ChatClient {
  check(): void {
    // @ts-expect-error `sessions:list` is an /admin event, not a /client one
    void this.request('sessions:list', { app_id: 'app_1' });
    expectTypeOf(this.request('message:send', { conversation_id: 'c', body: 'b', local_id: 'l' })).resolves.toHaveProperty('message');
    // The in-band refresh of both namespaces (the SDK's refresher sends it on the socket).
    expectTypeOf(this.request('auth:refresh', { token: 'a.b.c' })).resolves.toHaveProperty('expires_at');
    // @ts-expect-error the refresh carries `token`
    void this.request('auth:refresh', { user_token: 'a.b.c' });
    // @ts-expect-error `conversation:update` is an /admin event: a client closes over REST
    void this.request('conversation:update', { conversation_id: 'c', status: 'closed' });
  }
}

// The workflow: both clients hear `conversation:updated`; an agent updates, a client closes; both list with filters.
export const workflow = (agent: AgentClient, chat: ChatClient) => {
  agent.on('conversation:updated', (conversation) => expectTypeOf(conversation).toEqualTypeOf<Conversation>());
  chat.on('conversation:updated', (conversation) => expectTypeOf(conversation).toEqualTypeOf<Conversation>());
  // @ts-expect-error a misspelt event
  chat.on('conversation:update', () => {});
  expectTypeOf(agent.updateConversation('c', { status: 'snoozed', snoozed_until: new Date() })).resolves.toEqualTypeOf<Conversation>();
  expectTypeOf(agent.updateConversation('c', { snoozed_until: '2030-01-01T00:00:00Z' })).resolves.toEqualTypeOf<Conversation>();
  expectTypeOf(agent.updateConversation('c', { assignee_id: null })).resolves.toEqualTypeOf<Conversation>();
  // @ts-expect-error a status the contract does not have
  void agent.updateConversation('c', { status: 'pending' });
  // @ts-expect-error snoozed_until is a time, not seconds
  void agent.updateConversation('c', { snoozed_until: 3600 });
  // @ts-expect-error a client may only close, and does it with closeConversation
  void chat.updateConversation('c', { status: 'closed' });
  expectTypeOf(chat.closeConversation('c')).resolves.toEqualTypeOf<Conversation>();
  expectTypeOf(agent.listConversations({ status: 'open', assignee: 'none', unread: true, limit: 5 })).toEqualTypeOf<AsyncGenerator<Conversation, void, undefined>>();
  expectTypeOf(chat.listConversations({ status: 'closed' })).toEqualTypeOf<AsyncGenerator<Conversation, void, undefined>>();
  // @ts-expect-error unread is a boolean (the SDK writes the query string)
  void agent.listConversations({ unread: 'true' });
  // @ts-expect-error the walk keeps its own cursor (the page function takes one)
  void agent.listConversations({ cursor: 'x' });
  expectTypeOf(agent.conversations({ status: 'snoozed', cursor: 'x' })).resolves.toEqualTypeOf<ConversationPage>();
};

// An agent signs in with exactly one of the admin token and an agent token callback.
export const agentCredentials = [
  () => new AgentClient({ url: 'http://gw', appId: 'app_1', adminToken: 'sbt_x' }),
  () => new AgentClient({ url: 'http://gw', appId: 'app_1', getAgentToken: async () => 'a.b.c' }),
  // @ts-expect-error both credentials at once
  () => new AgentClient({ url: 'http://gw', appId: 'app_1', adminToken: 'sbt_x', getAgentToken: async () => 'a.b.c' }),
  // @ts-expect-error no credentials
  () => new AgentClient({ url: 'http://gw', appId: 'app_1' }),
  () => new ChatClient({ url: 'http://gw', appId: 'app_1', deviceId: 'd', apiKey: 'k', getUserToken: () => 'a.b.c' }),
  // @ts-expect-error a token callback returns the token, not an object
  () => new ChatClient({ url: 'http://gw', appId: 'app_1', deviceId: 'd', apiKey: 'k', getUserToken: async () => ({ token: 'a.b.c' }) }),
];

describe('sdk - typed with the protocol', () => {
  it('types - requests and emits follow the event maps; error codes are the contract codes', () => {
    expectTypeOf<AgentProbe['check']>().toBeFunction();
    expectTypeOf<ChatProbe['check']>().toBeFunction();
    expectTypeOf<SendError['code']>().toEqualTypeOf<ErrorCode | ClientErrorCode>();
    expectTypeOf<ApiError['code']>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<ErrorCode>().toExtend<ConnectionErrorCode>();
  });

  it('types - identity: TOKEN_EXPIRED is a connection code, token errors are typed, sender and user ids flow through', () => {
    expectTypeOf<'TOKEN_EXPIRED'>().toExtend<ConnectionErrorCode>();
    expectTypeOf<'TOKEN_UNAVAILABLE'>().toExtend<ConnectionErrorCode>();
    expectTypeOf<TokenError['code']>().toEqualTypeOf<ErrorCode | 'TOKEN_UNAVAILABLE'>();
    expectTypeOf<Parameters<ClientLifecycleEvents['token:error']>[0]>().toEqualTypeOf<TokenError>();
    expectTypeOf<Awaited<ReturnType<ChatClient['send']>>>().toEqualTypeOf<Message>();
    expectTypeOf<Message['sender_id']>().toEqualTypeOf<string | null>();
    expectTypeOf<Message['sender_name']>().toEqualTypeOf<string | null>();
    expectTypeOf<Awaited<ReturnType<ChatClient['openConversation']>>['user_id']>().toEqualTypeOf<Conversation['user_id']>();
    expectTypeOf<Conversation['user_id']>().toEqualTypeOf<string | null>();
  });

  it('types - workflow: the conversation\'s new fields, conversation:updated on both clients, update and close resolve with the Conversation', () => {
    expectTypeOf<typeof workflow>().toBeFunction();
    expectTypeOf<Conversation['status']>().toEqualTypeOf<ConversationStatus>();
    expectTypeOf<ConversationStatus>().toEqualTypeOf<'open' | 'closed' | 'snoozed'>();
    expectTypeOf<Conversation['snoozed_until']>().toEqualTypeOf<string | null>();
    expectTypeOf<Conversation['assignee_id']>().toEqualTypeOf<string | null>();
    expectTypeOf<Conversation['last_message_at']>().toEqualTypeOf<string | null>();
    expectTypeOf<Conversation['unread_count']>().toEqualTypeOf<number>();
    expectTypeOf<RequestError['code']>().toEqualTypeOf<ErrorCode | 'CLIENT_CLOSED'>();
  });
});
