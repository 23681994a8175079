import { describe, expectTypeOf, it } from 'vitest';
import { AppRef, AuthRefresh, ConversationRef, SocketSendMessage, type Message } from '@switchboard/protocol';
import { route, type EventRoutes } from './event-guard.js';
import type { AdminSocket, ClientSocket, EmittingSocket } from './types.js';

// Type tests: tsc checks this file (tsconfig.tests.json). Each `@ts-expect-error` fails the build if the check it
// marks stops being one, so the route tables stay keyed by the protocol's event maps and their acks.
const message = null as unknown as Message;
const noop = () => {};
const clientRoutes = (overrides: Partial<EventRoutes<ClientSocket>>): EventRoutes<ClientSocket> => ({
  'conversation:join': route(ConversationRef, () => ({ last_message_id: null })),
  'conversation:leave': route(ConversationRef, noop),
  'typing:start': route(ConversationRef, noop),
  'typing:stop': route(ConversationRef, noop),
  'message:send': route(SocketSendMessage, async () => ({ message })),
  'auth:refresh': route(AuthRefresh, async () => ({ expires_at: '2030-01-01T00:00:00.000Z' })),
  ...overrides,
});

describe('event routes - keyed by the protocol event maps', () => {
  it('types - a complete table of the /client events compiles', () => {
    expectTypeOf(clientRoutes({})).toEqualTypeOf<EventRoutes<ClientSocket>>();
    expectTypeOf<keyof EventRoutes<ClientSocket>>().toEqualTypeOf<
      'conversation:join' | 'conversation:leave' | 'typing:start' | 'typing:stop' | 'message:send' | 'auth:refresh'
    >();
    expectTypeOf<keyof EventRoutes<AdminSocket>>().toEqualTypeOf<
      'app:subscribe' | 'conversation:join' | 'conversation:leave' | 'typing:start' | 'typing:stop' | 'message:send' | 'sessions:list' | 'auth:refresh' | 'conversation:update'
    >();
  });

  it('types - a misspelt event name does not compile', () => {
    // @ts-expect-error 'conversation:jion' is no event of ClientToServerEvents
    clientRoutes({ 'conversation:jion': route(ConversationRef, noop) });
    // @ts-expect-error 'sessions:list' is an /admin event, not a /client one
    clientRoutes({ 'sessions:list': route(AppRef, () => ({ sessions: [] })) });
  });

  it('types - a table missing an event does not compile', () => {
    // @ts-expect-error 'message:send' has no route
    const table: EventRoutes<ClientSocket> = {
      'conversation:join': route(ConversationRef, () => ({ last_message_id: null })),
      'conversation:leave': route(ConversationRef, noop),
      'typing:start': route(ConversationRef, noop),
      'typing:stop': route(ConversationRef, noop),
      'auth:refresh': route(AuthRefresh, async () => ({ expires_at: '2030-01-01T00:00:00.000Z' })),
    };
    expectTypeOf(table).not.toBeNever();
  });

  it('types - a schema for another payload does not compile', () => {
    // @ts-expect-error message:send's payload is SocketSendMessage, not ConversationRef
    clientRoutes({ 'message:send': route(ConversationRef, async () => ({ message })) });
    // @ts-expect-error conversation:join's payload is ConversationRef, not AppRef
    clientRoutes({ 'conversation:join': route(AppRef, () => ({ last_message_id: null })) });
  });

  it('types - a handler answering another ack shape does not compile', () => {
    // @ts-expect-error conversation:join acks { last_message_id }, not { last_message }
    clientRoutes({ 'conversation:join': route(ConversationRef, () => ({ last_message: null })) });
    // @ts-expect-error message:send acks { message: Message }
    clientRoutes({ 'message:send': route(SocketSendMessage, async () => ({ message: 'hi' })) });
    // @ts-expect-error auth:refresh acks { expires_at: string }
    clientRoutes({ 'auth:refresh': route(AuthRefresh, async () => ({ expires_at: 1 })) });
    // @ts-expect-error conversation:join must answer its ack's fields, not nothing
    clientRoutes({ 'conversation:join': route(ConversationRef, noop) });
  });

  it('types - what both namespaces send is emitted without casts', () => {
    expectTypeOf<ClientSocket>().toExtend<EmittingSocket>();
    expectTypeOf<AdminSocket>().toExtend<EmittingSocket>();
    const emit = (socket: EmittingSocket) => {
      socket.emit('conversation:joined', { conversation_id: 'conv_1', last_message_id: null });
      // @ts-expect-error a wrong payload for conversation:joined
      socket.emit('conversation:joined', { conversation: 'conv_1' });
      // @ts-expect-error 'agent:typing' is sent on /client only
      socket.emit('agent:typing', { conversation_id: 'conv_1', is_typing: true });
    };
    expectTypeOf(emit).toBeFunction();
  });
});
