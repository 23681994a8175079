import { describe, expectTypeOf, it } from 'vitest';
import type { Conversation, ErrorCode, Message, SessionInfo } from '@switchboard/protocol';
import { AgentClient } from './agent-client.js';
import { ChatClient } from './chat-client.js';
import type { ClientErrorCode, ConnectionErrorCode, TokenError } from './errors.js';
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
  }
}

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
});
